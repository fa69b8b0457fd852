package booking

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/failpoint"
	"github.com/boxoffice/boxoffice/internal/ids"
)

// HoldRequest is the body of POST /events/{id}/holds: exactly one of exact
// seats, a general-admission quantity, or best available.
type HoldRequest struct {
	SeatIDs       []string `json:"seat_ids"`
	Section       string   `json:"section"`
	Row           string   `json:"row"`
	Quantity      int      `json:"quantity"`
	BestAvailable bool     `json:"best_available"`
	MaxPriceCents int64    `json:"max_price_cents"`
	// QueuePass is the X-Queue-Pass header (or the web page's cookie): an
	// event with a waiting room sells only to holders of a valid pass.
	QueuePass string `json:"-"`
}

type holdMode int

const (
	modeExact holdMode = iota
	modeGA
	modeBest
)

func (r HoldRequest) validate() (holdMode, []int64, error) {
	var f apperr.Fields
	var mode holdMode
	switch {
	case len(r.SeatIDs) > 0:
		mode = modeExact
		if r.BestAvailable || r.Section != "" || r.Quantity != 0 || r.Row != "" || r.MaxPriceCents != 0 {
			f.Add("seat_ids", "give either seat_ids, or section and quantity, or best_available — not several")
		}
		if len(r.SeatIDs) > MaxQuantity {
			f.Add("seat_ids", "at most %d seats", MaxQuantity)
		}
	case r.BestAvailable:
		mode = modeBest
	case r.Section != "":
		mode = modeGA
		if r.Row != "" || r.MaxPriceCents != 0 {
			f.Add("row", "row and max_price_cents go with best_available")
		}
	default:
		f.Add("seat_ids", "give seat_ids, or section and quantity, or best_available with quantity")
		return 0, nil, f.Err()
	}
	if mode != modeExact && (r.Quantity < 1 || r.Quantity > MaxQuantity) {
		f.Add("quantity", "must be between 1 and %d", MaxQuantity)
	}
	if r.MaxPriceCents < 0 {
		f.Add("max_price_cents", "must not be negative")
	}
	var nos []int64
	seen := map[int64]bool{}
	for i, s := range r.SeatIDs {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			f.Add(fmt.Sprintf("seat_ids[%d]", i), "is not a seat id of this event")
			continue
		}
		if seen[n] {
			f.Add(fmt.Sprintf("seat_ids[%d]", i), "is listed twice")
		}
		seen[n] = true
		nos = append(nos, n)
	}
	return mode, nos, f.Err()
}

// PlaceHold holds seats for a buyer, all or nothing.
func (s *Service) PlaceHold(ctx context.Context, by account.User, eventID string, r HoldRequest) (Hold, error) {
	mode, nos, err := r.validate()
	if err != nil {
		return Hold{}, err
	}
	now := s.clock.Now()
	var terms catalog.Event
	h := Hold{ID: ids.New("hld"), EventID: eventID, UserID: by.ID, Status: HoldActive,
		ExpiresAt: now.Add(s.holdTTL).Truncate(time.Millisecond), CreatedAt: now.Truncate(time.Millisecond)}
	err = s.commits.do(ctx, eventID, by.ID, func(tx Tx, b *batch) error {
		e, err := b.event(ctx, tx, eventID)
		if err != nil {
			return err
		}
		if !e.OnSale(now) {
			return notOnSale(e, now)
		}
		if e.Queue.Enabled {
			if err := s.gate.Check(by.ID, e.ID, r.QueuePass, now); err != nil {
				return err
			}
		}
		h.Currency = e.Currency
		terms = e
		// The user lock comes before any seat is touched: on PostgreSQL,
		// locking seat rows first and then waiting for this lock could
		// deadlock two requests by the same buyer.
		if err := tx.LockUserEvent(ctx, by.ID, eventID); err != nil {
			return err
		}
		have, err := tx.CountUserPlaces(ctx, by.ID, eventID, now)
		if err != nil {
			return err
		}
		want := r.Quantity
		if mode == modeExact {
			want = len(nos)
		}
		if have+want > e.MaxTicketsPerUser {
			return apperr.E(apperr.TicketLimitExceeded, "at most %d tickets per buyer for this event; you already have %d held or bought",
				e.MaxTicketsPerUser, have)
		}
		var seats []Seat
		switch mode {
		case modeExact:
			seats, err = s.exactSeats(ctx, tx, eventID, nos, now)
		case modeGA:
			seats, err = s.gaSeats(ctx, tx, eventID, r, now)
		case modeBest:
			seats, err = s.bestSeats(ctx, tx, b, eventID, r, now)
		}
		if err != nil {
			return err
		}
		seatNos := make([]int64, len(seats))
		for i, st := range seats {
			seatNos[i] = st.No
		}
		n, err := tx.ClaimSeats(ctx, eventID, seatNos, h.ID, h.ExpiresAt, now)
		if err != nil {
			return err
		}
		if n != len(seats) {
			// The step must leave the batch's transaction as it found it.
			if n > 0 {
				if err := tx.ReleaseSeats(ctx, h.ID); err != nil {
					return err
				}
			}
			return apperr.E(apperr.SeatsUnavailable, "some of the seats were just taken by another buyer")
		}
		b.take(seats)
		h.Seats, h.SubtotalCents = heldSeats(seats)
		h.Quantity = len(seats)
		if err := tx.InsertHold(ctx, h); err != nil {
			return err
		}
		s.fail.Hit(failpoint.HoldBeforeCommit)
		return nil
	})
	if err != nil {
		return Hold{}, fmt.Errorf("hold seats: %w", err)
	}
	s.fail.Hit(failpoint.HoldAfterCommit)
	s.metrics.HoldPlaced(eventID, h.Quantity)
	h.addFees(terms)
	return h, nil
}

func notOnSale(e catalog.Event, now time.Time) error {
	switch {
	case e.Status == catalog.StatusCancelled:
		return apperr.E(apperr.NotOnSale, "this event was cancelled")
	case now.Before(e.OnsaleAt):
		return apperr.E(apperr.NotOnSale, "tickets go on sale at %s", e.OnsaleAt.Format(time.RFC3339))
	default:
		return apperr.E(apperr.NotOnSale, "this event has started; sales are closed")
	}
}

func heldSeats(seats []Seat) ([]HeldSeat, int64) {
	out := make([]HeldSeat, len(seats))
	var sum int64
	for i, st := range seats {
		out[i] = HeldSeat{No: st.No, ID: st.ID(), Section: st.Section, Row: optString(st.Row), Number: optInt(st.Number), PriceCents: st.PriceCents}
		sum += st.PriceCents
	}
	return out, sum
}

func (s *Service) exactSeats(ctx context.Context, tx Tx, eventID string, nos []int64, now time.Time) ([]Seat, error) {
	seats, err := tx.SeatsByNo(ctx, eventID, nos)
	if err != nil {
		return nil, err
	}
	if len(seats) != len(nos) {
		found := map[int64]bool{}
		for _, st := range seats {
			found[st.No] = true
		}
		var f apperr.Fields
		for i, n := range nos {
			if !found[n] {
				f.Add(fmt.Sprintf("seat_ids[%d]", i), "is not a seat id of this event")
			}
		}
		return nil, f.Err()
	}
	for _, st := range seats {
		if st.Status(now) != SeatAvailable {
			return nil, apperr.E(apperr.SeatsUnavailable, "seat %s is %s", seatLabel(st), st.Status(now))
		}
	}
	return seats, nil
}

func seatLabel(st Seat) string {
	if st.GA {
		return st.Section + " (general admission)"
	}
	return fmt.Sprintf("%s-%s-%d", st.Section, st.Row, st.Number)
}

func (s *Service) gaSeats(ctx context.Context, tx Tx, eventID string, r HoldRequest, now time.Time) ([]Seat, error) {
	secID, ga, err := tx.Section(ctx, eventID, r.Section)
	if apperr.Is(err, apperr.NotFound) {
		var f apperr.Fields
		f.Add("section", "this event has no section %q on sale", r.Section)
		return nil, f.Err()
	}
	if err != nil {
		return nil, err
	}
	if !ga {
		var f apperr.Fields
		f.Add("section", "section %q has reserved seats: choose seat_ids or best_available", r.Section)
		return nil, f.Err()
	}
	seats := make([]Seat, 0, r.Quantity)
	// Row and MaxPriceCents only come from best_available: a GA area has no
	// rows, and one dearer than the buyer's limit matches nothing.
	err = tx.ScanFree(ctx, eventID, FreeFilter{SectionID: secID, Row: r.Row, MaxPriceCents: r.MaxPriceCents}, now, func(st Seat) bool {
		seats = append(seats, st)
		return len(seats) < r.Quantity
	})
	if err != nil {
		return nil, err
	}
	if len(seats) < r.Quantity {
		return nil, apperr.E(apperr.SeatsUnavailable, "only %d places left in %s", len(seats), r.Section)
	}
	return seats, nil
}

// bestSeats finds the best block of Quantity adjacent seats in one row.
//
// It walks available seats from the best score down. A block's quality is
// its worst seat, so the first time the seats seen so far contain a block,
// that block is the best there is: every other block has a seat not yet
// seen, which scores no better. The walk uses an index of unsold seats, so
// it stops after a handful of rows on a fresh map and never rereads the
// sold part of a nearly sold-out one; the buyers of one batch share the
// walk (walk.go).
func (s *Service) bestSeats(ctx context.Context, tx Tx, b *batch, eventID string, r HoldRequest, now time.Time) ([]Seat, error) {
	f := FreeFilter{Row: r.Row, MaxPriceCents: r.MaxPriceCents, Reserved: true}
	if r.Section != "" {
		secID, ga, err := tx.Section(ctx, eventID, r.Section)
		if apperr.Is(err, apperr.NotFound) {
			var fe apperr.Fields
			fe.Add("section", "this event has no section %q on sale", r.Section)
			return nil, fe.Err()
		}
		if err != nil {
			return nil, err
		}
		if ga {
			return s.gaSeats(ctx, tx, eventID, HoldRequest{Section: r.Section, Quantity: r.Quantity, Row: r.Row, MaxPriceCents: r.MaxPriceCents}, now)
		}
		f.SectionID = secID
	}
	found, err := b.findBlock(ctx, tx, eventID, f, r.Quantity, now)
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, apperr.E(apperr.SeatsUnavailable, "no %d adjacent seats left that match", r.Quantity)
	}
	seats, err := tx.SeatsByNo(ctx, eventID, found)
	if err != nil {
		return nil, err
	}
	if len(seats) != len(found) {
		return nil, fmt.Errorf("best available: read %d of the %d seats walked", len(seats), len(found))
	}
	return seats, nil
}

// bestWindow looks for qty adjacent seats in row (seat number in the row
// -> score) that include seat k, and returns the event seat numbers (No)
// of the window with the lowest total score, or nil. rowKey is the row's
// FreePlace.RowKey.
func bestWindow(row map[int]int64, rowKey int64, k, qty int) []int64 {
	lo, hi := k, k
	for _, ok := row[lo-1]; ok; _, ok = row[lo-1] {
		lo--
	}
	for _, ok := row[hi+1]; ok; _, ok = row[hi+1] {
		hi++
	}
	if hi-lo+1 < qty {
		return nil
	}
	bestStart, bestSum := 0, int64(-1)
	for start := max(lo, k-qty+1); start <= min(k, hi-qty+1); start++ {
		var sum int64
		for n := start; n < start+qty; n++ {
			sum += row[n]
		}
		if bestSum < 0 || sum < bestSum {
			bestStart, bestSum = start, sum
		}
	}
	out := make([]int64, 0, qty)
	for n := bestStart; n < bestStart+qty; n++ {
		out = append(out, rowKey+int64(n))
	}
	return out
}

// Hold returns a buyer's hold. Someone else's hold is not found.
func (s *Service) Hold(ctx context.Context, by account.User, id string) (Hold, error) {
	h, err := s.store.Hold(ctx, id)
	if err != nil {
		return Hold{}, err
	}
	if h.UserID != by.ID && !by.IsAdmin() {
		return Hold{}, apperr.E(apperr.NotFound, "no such hold")
	}
	h.Status = h.StatusAt(s.clock.Now())
	e, err := s.store.Event(ctx, h.EventID)
	if err != nil {
		return Hold{}, err
	}
	h.addFees(e)
	return h, nil
}

// ReleaseHold gives a hold's seats back at once. Releasing a hold that is
// already gone is not an error; one that became an order, or is being
// paid for, cannot be released.
func (s *Service) ReleaseHold(ctx context.Context, by account.User, id string) error {
	now := s.clock.Now()
	return s.store.InTx(ctx, func(tx Tx) error {
		h, err := tx.Hold(ctx, id)
		if err != nil {
			return err
		}
		if h.UserID != by.ID && !by.IsAdmin() {
			return apperr.E(apperr.NotFound, "no such hold")
		}
		switch h.Status {
		case HoldConverted, HoldPaying:
			return apperr.E(apperr.HoldNotActive, "this hold is being paid for or was converted into an order")
		case HoldReleased, HoldExpired:
			return nil
		}
		status := HoldReleased
		if h.StatusAt(now) == HoldExpired {
			status = HoldExpired
		}
		if err := tx.ReleaseSeats(ctx, id); err != nil {
			return err
		}
		return tx.SetHoldStatus(ctx, id, status, "")
	})
}

// sortSeats orders seats by section, row and number, for stable output.
func sortSeats(seats []HeldSeat) {
	sort.Slice(seats, func(i, j int) bool { return seats[i].No < seats[j].No })
}
