package queue

import (
	"time"
)

// Keep is how long a place is kept for an owner who stopped looking: see
// the package comment. Cloudflare's waiting room keeps a few minutes too.
const Keep = 5 * time.Minute

// DefaultPassTTL is how long a pass admits its holder after they were
// admitted: a five-minute hold, checkout, and a second try.
const DefaultPassTTL = 15 * time.Minute

// State is an event's waiting room in the store: the draw's commitment,
// how many have joined, and the admission frontier's parameters.
type State struct {
	EventID    string
	Nonce      string // seeds the draw (see draw.go); public only after it
	Commitment string // hex SHA-256 of the seed, published before the sale
	Seed       string // "" until the draw
	// PresaleCount is the number of places in the pre-queue; PostCount
	// those taken after it closed.
	PresaleCount, PostCount int64
	// PresaleClosed is set by the first join at or after onsale_at, so
	// that a join on an instance whose clock is a little behind cannot add
	// to a pre-queue that has closed.
	PresaleClosed bool
	DrawnAt       *time.Time
	// RatePerMinute, BaseAdmitted and BaseAt define the admission frontier
	// (Admitted). BaseAt is the sale's opening until the rate first changes.
	RatePerMinute int
	BaseAdmitted  int64
	BaseAt        time.Time
	CreatedAt     time.Time
}

// Total is the number of places.
func (s State) Total() int64 { return s.PresaleCount + s.PostCount }

// Drawn reports whether the pre-queue has its order.
func (s State) Drawn() bool { return s.DrawnAt != nil }

// raw is the frontier before it is capped at the last place.
func (s State) raw(now time.Time) int64 {
	if now.Before(s.BaseAt) || s.RatePerMinute <= 0 {
		return s.BaseAdmitted
	}
	return s.BaseAdmitted + int64(s.RatePerMinute)*now.Sub(s.BaseAt).Milliseconds()/60_000
}

// Admitted is the admission frontier at now: every position up to it is
// admitted. Nobody is admitted before the pre-queue is drawn.
func (s State) Admitted(now time.Time) int64 {
	if !s.Drawn() {
		return 0
	}
	return min(s.raw(now), s.Total())
}

// AdmittedAt is when the frontier reached position p (an estimate for
// positions admitted before the last change of rate).
func (s State) AdmittedAt(p int64) time.Time {
	if p <= s.BaseAdmitted || s.RatePerMinute <= 0 {
		return s.BaseAt
	}
	ms := ((p-s.BaseAdmitted)*60_000 + int64(s.RatePerMinute) - 1) / int64(s.RatePerMinute)
	return s.BaseAt.Add(time.Duration(ms) * time.Millisecond)
}

// Rebase moves the frontier's origin to now at rate, keeping the places
// admitted so far: for a change of rate, or for a queue found empty.
func (s *State) Rebase(now time.Time, rate int) {
	if s.Drawn() {
		s.BaseAdmitted = min(s.raw(now), s.Total())
	}
	if now.After(s.BaseAt) {
		s.BaseAt = now
	}
	s.RatePerMinute = rate
}

// Entry is one place in the waiting room.
type Entry struct {
	EventID  string
	UserID   string
	Token    string // the place's bearer secret: whoever has it polls it
	JoinedAt time.Time
	Presale  bool
	// Seq orders the entry among the places of its phase, in join order.
	Seq int64
	// Position is the place in the admission order; 0 for a pre-queue
	// place until the draw.
	Position   int64
	AdmittedAt *time.Time
}

// Place statuses, as the API shows them.
const (
	StatusWaiting  = "waiting"
	StatusAdmitted = "admitted"
	StatusExpired  = "expired"
)

// Status is what a place's owner is told.
type Status struct {
	Token  string `json:"token"`
	Status string `json:"status"`
	// Position counts the places ahead, plus one; in the pre-queue, before
	// the draw, it is the size of the pre-queue (your place will be no
	// further back).
	Position             int64      `json:"position,omitempty"`
	EstimatedWaitSeconds int64      `json:"estimated_wait_seconds"`
	PreQueue             bool       `json:"pre_queue,omitempty"`
	DrawAt               *time.Time `json:"draw_at,omitempty"`
	Pass                 string     `json:"pass,omitempty"`
	PassExpiresAt        *time.Time `json:"pass_expires_at,omitempty"`
	Detail               string     `json:"detail,omitempty"`
}

// Info is an event's waiting room as anyone may see it.
type Info struct {
	EventID        string     `json:"event_id"`
	Enabled        bool       `json:"enabled"`
	Mode           string     `json:"mode"`
	AdmitPerMinute int        `json:"admit_per_minute"`
	OpensAt        *time.Time `json:"opens_at,omitempty"`
	OnsaleAt       time.Time  `json:"onsale_at"`
	Commitment     string     `json:"commitment"`
	Seed           string     `json:"seed,omitempty"`
	DrawnAt        *time.Time `json:"drawn_at,omitempty"`
	Joined         int64      `json:"joined"`
	PreQueue       int64      `json:"pre_queue"`
	Admitted       int64      `json:"admitted"`
	Waiting        int64      `json:"waiting"`
	PowDifficulty  int        `json:"pow_difficulty"`
}

// DrawPlace is one place of the published draw.
type DrawPlace struct {
	Entry    string `json:"entry"` // hex SHA-256 of the place's token
	Position int64  `json:"position"`
}

// Draw is the published pre-queue draw.
type Draw struct {
	EventID    string      `json:"event_id"`
	Commitment string      `json:"commitment"`
	Seed       string      `json:"seed"`
	DrawnAt    time.Time   `json:"drawn_at"`
	Places     []DrawPlace `json:"places"`
}
