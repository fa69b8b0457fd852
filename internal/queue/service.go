package queue

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/ids"
)

// Events is what the waiting room reads of the catalog.
type Events interface {
	Event(ctx context.Context, id string) (catalog.Event, error)
}

// Observer is told what happens in waiting rooms, for metrics.
type Observer interface {
	Joined(eventID string, preQueue bool)
	Admitted(eventID string, waited time.Duration)
	Abandoned(eventID string)
	RateChanged(eventID string, from, to int, reason string)
}

type nopObserver struct{}

func (nopObserver) Joined(string, bool)                  {}
func (nopObserver) Admitted(string, time.Duration)       {}
func (nopObserver) Abandoned(string)                     {}
func (nopObserver) RateChanged(string, int, int, string) {}

// Options configure a Service.
type Options struct {
	// Key signs passes and challenges and derives the draw seeds; every
	// instance must have the same one.
	Key      []byte
	Log      *slog.Logger
	Observer Observer
	// Signals feed the auto admission mode; nil leaves auto events at
	// their configured rate.
	Signals *Signals
	Auto    AutoPolicy
	// PassTTL is how long a pass admits after its holder was admitted;
	// DefaultPassTTL when zero.
	PassTTL time.Duration
}

// Service runs the waiting rooms.
type Service struct {
	store   Store
	events  *eventCache
	clock   clock.Clock
	sign    signer
	key     []byte
	log     *slog.Logger
	obs     Observer
	signals *Signals
	auto    AutoPolicy
	passTTL time.Duration
	joins   *joinBatches
}

// NewService wires the waiting room.
func NewService(st Store, events Events, clk clock.Clock, o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	if o.Auto == (AutoPolicy{}) {
		o.Auto = DefaultAutoPolicy
	}
	if o.PassTTL <= 0 {
		o.PassTTL = DefaultPassTTL
	}
	return &Service{store: st, events: newEventCache(events), clock: clk, sign: signer{o.Key}, key: o.Key, log: o.Log, obs: o.Observer,
		signals: o.Signals, auto: o.Auto, passTTL: o.PassTTL, joins: newJoinBatches()}
}

// Gate is the pass check booking uses.
func (s *Service) Gate() Gate { return Gate{s.sign} }

// queued returns the event, or an error if it has no waiting room.
func (s *Service) queued(ctx context.Context, eventID string) (catalog.Event, error) {
	e, err := s.events.Event(ctx, eventID)
	if err != nil {
		return e, err
	}
	if !e.Queue.Enabled {
		return e, apperr.E(apperr.NotFound, "this event has no waiting room")
	}
	return e, nil
}

// newState is an event's waiting room before anyone joins: a fresh nonce,
// and the commitment to the seed it derives.
func (s *Service) newState(e catalog.Event) func() State {
	return func() State {
		nonce := hex.EncodeToString(ids.Secret(16))
		return State{EventID: e.ID, Nonce: nonce, Commitment: Commitment(seedFor(s.key, e.ID, nonce)),
			RatePerMinute: e.Queue.AdmitPerMinute, BaseAt: e.OnsaleAt, CreatedAt: s.clock.Now().Truncate(time.Millisecond)}
	}
}

// Challenge returns a proof-of-work puzzle for by's join.
func (s *Service) Challenge(ctx context.Context, by account.User, eventID string) (Challenge, error) {
	e, err := s.queued(ctx, eventID)
	if err != nil {
		return Challenge{}, err
	}
	return s.sign.challenge(e.ID, by.ID, e.Queue.PowDifficulty, s.clock.Now()), nil
}

// JoinRequest carries a join's proof of work, when the event asks for one.
type JoinRequest struct {
	PowChallenge string `json:"pow_challenge"`
	PowNonce     string `json:"pow_nonce"`
}

// Join gives by a place in the event's waiting room, or the place they
// already have (one per account). A place that lapsed is replaced by a new
// one at the back.
func (s *Service) Join(ctx context.Context, by account.User, eventID string, r JoinRequest) (Status, error) {
	e, err := s.queued(ctx, eventID)
	if err != nil {
		return Status{}, err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	if d := e.OnsaleAt.Sub(now); d > -5*time.Second && d < 5*time.Second {
		// Near the opening, the phase of a join must follow the on-sale
		// time as it is now, not as it was a second ago.
		if e, err = s.events.Fresh(ctx, eventID); err != nil {
			return Status{}, err
		}
	}
	switch {
	case e.Status != catalog.StatusPublished || !now.Before(e.StartsAt):
		return Status{}, apperr.E(apperr.NotOnSale, "this event is not on sale")
	case e.Queue.OpensAt != nil && now.Before(*e.Queue.OpensAt):
		return Status{}, apperr.E(apperr.NotOnSale, "the waiting room opens at %s", e.Queue.OpensAt.UTC().Format(time.RFC3339))
	}
	if d := e.Queue.PowDifficulty; d > 0 {
		if err := s.sign.checkPow(e.ID, by.ID, d, r.PowChallenge, r.PowNonce, now); err != nil {
			return Status{}, err
		}
	}
	ent, st, joined, err := s.joins.submit(ctx, s, joinReq{e: e, by: by, now: now})
	if err != nil {
		return Status{}, fmt.Errorf("join the queue: %w", err)
	}
	if joined {
		s.obs.Joined(e.ID, ent.Presale)
	}
	return s.status(ctx, e, st, ent, now)
}

// place applies one join inside a batch's transaction: the account's
// place if it has one that has not lapsed, else a new one. st is the
// state as the joins before it in the batch left it.
func (s *Service) place(ctx context.Context, tx Tx, st State, r joinReq) (Entry, State, bool, error) {
	e, now := r.e, r.now
	old, ok, err := tx.EntryOf(ctx, r.by.ID)
	if err != nil {
		return Entry{}, st, false, err
	}
	if !now.Before(e.OnsaleAt) && !st.Drawn() {
		// The first join after the opening draws the pre-queue, so that it
		// is numbered, and the frontier runs, before anyone is placed
		// behind it.
		if st, err = s.drawIn(ctx, tx, e, st); err != nil {
			return Entry{}, st, false, err
		}
	}
	if ok && !s.lapsed(st, old, now) {
		return old, st, false, nil
	}
	var ent Entry
	if now.Before(e.OnsaleAt) && !st.PresaleClosed {
		st.PresaleCount++
		ent = Entry{Presale: true, Seq: st.PresaleCount}
	} else {
		st.PresaleClosed = true
		if st.Drawn() && st.raw(now) >= st.Total() {
			// Nobody is waiting: start the frontier from here, or the idle
			// time since the last join would admit a burst.
			st.Rebase(now, st.RatePerMinute)
		}
		st.PostCount++
		ent = Entry{Seq: st.PostCount, Position: st.PresaleCount + st.PostCount}
	}
	ent.EventID, ent.UserID, ent.Token, ent.JoinedAt = e.ID, r.by.ID, newToken(now), now
	return ent, st, true, tx.PutEntry(ctx, ent)
}

// lapsed reports whether a place's turn came more than Keep ago and its
// owner never came to claim it.
func (s *Service) lapsed(st State, en Entry, now time.Time) bool {
	if en.AdmittedAt != nil {
		// Claimed: the place is spent once its pass has expired, and its
		// owner may join again at the back.
		return !now.Before(en.AdmittedAt.Add(s.passTTL))
	}
	if en.Position == 0 || en.Position > st.Admitted(now) {
		return false
	}
	return now.After(st.AdmittedAt(en.Position).Add(Keep))
}

// Poll tells the holder of a place's token where it stands. It is O(1):
// the place by its token and the event's state row.
func (s *Service) Poll(ctx context.Context, eventID, token string) (Status, error) {
	en, err := s.store.EntryByToken(ctx, token)
	if apperr.Is(err, apperr.NotFound) || err == nil && en.EventID != eventID {
		return Status{}, apperr.E(apperr.NotFound, "no such place in this waiting room")
	}
	if err != nil {
		return Status{}, err
	}
	e, err := s.queued(ctx, eventID)
	if err != nil {
		return Status{}, err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	st, ok, err := s.store.QueueState(ctx, eventID)
	if err != nil {
		return Status{}, err
	}
	if !ok {
		return Status{}, apperr.E(apperr.NotFound, "no such place in this waiting room")
	}
	if !st.Drawn() && !now.Before(e.OnsaleAt) {
		if st, err = s.draw(ctx, e); err != nil {
			return Status{}, err
		}
		if en, err = s.store.EntryByToken(ctx, token); err != nil {
			return Status{}, err
		}
	}
	return s.status(ctx, e, st, en, now)
}

// status builds what the owner of en is told, issuing the pass when its
// turn has come.
func (s *Service) status(ctx context.Context, e catalog.Event, st State, en Entry, now time.Time) (Status, error) {
	out := Status{Token: en.Token, Status: StatusWaiting}
	admitted := st.Admitted(now)
	switch {
	case en.Position == 0: // in the pre-queue, before the draw
		out.PreQueue, out.Position = true, st.PresaleCount
		at := e.OnsaleAt
		out.DrawAt = &at
		out.EstimatedWaitSeconds = int64(max(0, e.OnsaleAt.Sub(now).Seconds())) + wait(st.PresaleCount, st.RatePerMinute)
	case s.lapsed(st, en, now):
		out.Status = StatusExpired
		if en.AdmittedAt != nil {
			out.Detail = "your pass has expired; join again for a new place"
		} else {
			s.obs.Abandoned(e.ID)
			out.Detail = fmt.Sprintf("your place lapsed: it was your turn and you had been away for over %d minutes; join again", int(Keep.Minutes()))
		}
		return out, nil
	case en.Position <= admitted:
		at := now
		if en.AdmittedAt != nil {
			at = *en.AdmittedAt
		} else {
			if err := s.store.SetAdmitted(ctx, en.Token, now); err != nil {
				return Status{}, err
			}
			s.obs.Admitted(e.ID, now.Sub(en.JoinedAt))
		}
		exp := at.Add(s.passTTL).UTC()
		out.Status, out.Pass, out.PassExpiresAt = StatusAdmitted, s.sign.pass(e.ID, en.UserID, exp), &exp
		return out, nil
	default:
		out.Position = en.Position - admitted
		out.EstimatedWaitSeconds = int64(max(0, st.BaseAt.Sub(now).Seconds())) + wait(out.Position, st.RatePerMinute)
		out.PreQueue = en.Presale
	}
	return out, nil
}

// wait is how many seconds n places take at rate per minute.
func wait(n int64, rate int) int64 {
	if rate <= 0 {
		return 0
	}
	return (n*60 + int64(rate) - 1) / int64(rate)
}

// Info is the event's waiting room as anyone may see it: the rate, the
// commitment before the sale and the seed after, and the counts.
func (s *Service) Info(ctx context.Context, eventID string) (Info, error) {
	e, err := s.queued(ctx, eventID)
	if err != nil {
		return Info{}, err
	}
	now := s.clock.Now()
	st, ok, err := s.store.QueueState(ctx, e.ID)
	if err != nil {
		return Info{}, err
	}
	if !ok {
		// Set the room up now, so that its commitment is public before
		// anyone joins.
		if err := s.store.InQueueTx(ctx, e.ID, s.newState(e), func(tx Tx) error { st = tx.State(); return nil }); err != nil {
			return Info{}, err
		}
	}
	if !st.Drawn() && !now.Before(e.OnsaleAt) {
		if st, err = s.draw(ctx, e); err != nil {
			return Info{}, err
		}
	}
	admitted := st.Admitted(now)
	return Info{EventID: e.ID, Enabled: true, Mode: e.Queue.Mode, AdmitPerMinute: st.RatePerMinute, OpensAt: e.Queue.OpensAt,
		OnsaleAt: e.OnsaleAt, Commitment: st.Commitment, Seed: st.Seed, DrawnAt: st.DrawnAt, Joined: st.Total(),
		PreQueue: st.PresaleCount, Admitted: admitted, Waiting: st.Total() - admitted, PowDifficulty: e.Queue.PowDifficulty}, nil
}

// newToken is a place's bearer secret: 96 random bits after the join time
// in milliseconds. The time prefix puts each new token at the end of the
// token index instead of on a random page of it, which halves the pages a
// join writes in a flash crowd; the random part is what makes it
// unguessable, as the contract asks.
func newToken(now time.Time) string {
	return fmt.Sprintf("qtk_%011x%s", now.UnixMilli(), hex.EncodeToString(ids.Secret(12)))
}
