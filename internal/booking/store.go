package booking

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// Store is what booking needs from persistence. Reads outside InTx may see
// a slightly older snapshot; every decision is made inside InTx.
type Store interface {
	// InTx runs fn in one read-write transaction and commits if fn returns
	// nil. Engines may run fn again after a serialization failure, so fn
	// must not have effects outside tx.
	InTx(ctx context.Context, fn func(Tx) error) error

	Event(ctx context.Context, id string) (catalog.Event, error)
	Hold(ctx context.Context, id string) (Hold, error)
	Order(ctx context.Context, id string) (Order, error)
	Orders(ctx context.Context, q ListQuery) ([]Order, error)
	Ticket(ctx context.Context, id string) (Ticket, error)
	Tickets(ctx context.Context, q ListQuery) ([]Ticket, error)
	// Seats returns every place of an event in section, row, number order.
	Seats(ctx context.Context, eventID string) ([]Seat, error)
	SeatCounts(ctx context.Context, eventID string, now time.Time) (SeatCounts, error)
	// PlanSeats returns every place of an event in seat-number order, with
	// the fields that never change (no hold or order): the cached seat plan
	// is built from it. It is Seats without the sort and the status columns.
	PlanSeats(ctx context.Context, eventID string) ([]Seat, error)
	// TakenSeats lists the event's places that are sold or in a hold
	// unexpired at now, in seat-number order; every other place is
	// available. It backs the live seat map, so it reads as little as it can.
	TakenSeats(ctx context.Context, eventID string, now time.Time) ([]TakenSeat, error)
	// OrderFigures sums the event's orders that were ever paid.
	OrderFigures(ctx context.Context, eventID string) (orders int, grossCents, refundedCents int64, err error)
	// SalesBreakdown sums the same orders by kind of line item (gross, of
	// the refunded ones, and net) and their tickets by section, sections in
	// seat order.
	SalesBreakdown(ctx context.Context, eventID string) (SalesBreakdown, error)
	// ExpireHolds marks holds past their time as expired and frees their
	// seats; it returns how many holds it expired. Only tidying: readers
	// already treat them as gone.
	ExpireHolds(ctx context.Context, now time.Time, limit int) (int, error)
	// PendingOrders lists orders still pending that were created before.
	PendingOrders(ctx context.Context, before time.Time, limit int) ([]Order, error)
	// CheckinCounts counts the event's valid tickets and, of those, the
	// ones scanned in: the gate's "412 of 80,879 in".
	CheckinCounts(ctx context.Context, eventID string) (checkedIn, tickets int, err error)
	// PaidOrderIDs lists an event's paid orders.
	PaidOrderIDs(ctx context.Context, eventID string) ([]string, error)
	// RequestRefund notes that a paid order's refund was asked for at
	// `at` (a second request keeps the first time). Refund writes it
	// before it calls the provider, so that a refund the provider made and
	// the database never recorded, because the process died in between,
	// is still found (RefundsRequested) and finished.
	RequestRefund(ctx context.Context, orderID string, at time.Time) error
	// RefundsRequested lists the paid orders whose refund was asked for
	// before `before`, oldest request first.
	RefundsRequested(ctx context.Context, before time.Time, limit int) ([]string, error)
}

// ListQuery pages a user's orders or tickets, newest first. UserID ""
// lists everyone's (admin).
type ListQuery struct {
	UserID   string
	EventID  string
	BeforeID string // continue after this id (ids sort by creation only within a page key)
	Before   time.Time
	Limit    int
	// ValidOnly lists only valid tickets.
	ValidOnly bool
	// NoFailed leaves out orders whose payment failed: attempts that
	// charged nothing, which a buyer's or an organizer's list of orders
	// should not show as orders.
	NoFailed bool
}

// FreePlace is one step of WalkFree: an available place's number in the
// event, its number in its row, and its score.
//
// A venue numbers its places section by section, row by row, seat by
// seat (catalog assigns them so), so No-Number is the same for every seat
// of a row and differs from row to row: it identifies the row.
type FreePlace struct {
	No     int64
	Number int
	Score  int64
}

// RowKey identifies the place's row among the event's rows.
func (p FreePlace) RowKey() int64 { return p.No - int64(p.Number) }

// FreeFilter narrows a scan of available places.
type FreeFilter struct {
	SectionID     string
	Row           string
	MaxPriceCents int64 // 0 means any
	Reserved      bool  // numbered seats only
	// After, if set, resumes a scan after this place, in the scan's
	// (score, no) order: a batch's later buyers go on from where the walk
	// for the earlier ones stopped instead of walking the same places again.
	After *FreePlace
}

// Tx is one read-write transaction.
type Tx interface {
	// Event returns the event's terms of sale: its own fields and its
	// add-ons. Unlike Store.Event it leaves out the venue, the price list
	// and the price range: nothing decided in a transaction reads them
	// (held seats carry their own prices), and every hold and both halves
	// of every checkout read the event.
	Event(ctx context.Context, id string) (catalog.Event, error)
	// Section finds a section on sale at the event (one it prices) by
	// name, or apperr.NotFound: a section of the venue the event does not
	// sell has no seats to hold.
	Section(ctx context.Context, eventID, name string) (id string, ga bool, err error)
	// LockUserEvent serializes one user's holds for one event, so that
	// parallel requests cannot each see room under the ticket limit.
	LockUserEvent(ctx context.Context, userID, eventID string) error
	// CountUserPlaces counts the user's places at the event in unexpired or
	// paying holds, plus valid tickets.
	CountUserPlaces(ctx context.Context, userID, eventID string, now time.Time) (int, error)
	SeatsByNo(ctx context.Context, eventID string, nos []int64) ([]Seat, error)
	// ScanFree calls fn for each place available at now that matches f, in
	// ascending (score, no) order, until fn returns false.
	ScanFree(ctx context.Context, eventID string, f FreeFilter, now time.Time, fn func(Seat) bool) error
	// WalkFree is ScanFree for best available: the same places in the same
	// order, with only what finding a block of adjacent seats needs. Late
	// in an on-sale the walk steps over thousands of places (the single
	// seats that pairs left behind) before it finds a block, so each step
	// must be cheap; the block's seats are then read with SeatsByNo.
	WalkFree(ctx context.Context, eventID string, f FreeFilter, now time.Time, fn func(FreePlace) bool) error
	// ClaimSeats puts the places under holdID until `until`, but only those
	// that are unsold and not in an unexpired hold at now; it returns how
	// many it claimed. This conditional write is where races are decided.
	ClaimSeats(ctx context.Context, eventID string, nos []int64, holdID string, until, now time.Time) (int, error)
	InsertHold(ctx context.Context, h Hold) error
	Hold(ctx context.Context, id string) (Hold, error)
	SetHoldStatus(ctx context.Context, id string, status HoldStatus, orderID string) error
	// SetHoldUntil moves the expiry of the hold's seats.
	SetHoldUntil(ctx context.Context, holdID string, until time.Time) error
	// ReleaseSeats frees the seats still under holdID.
	ReleaseSeats(ctx context.Context, holdID string) error
	// ActiveHoldIDs lists the event's holds that are active or paying.
	ActiveHoldIDs(ctx context.Context, eventID string) ([]string, error)
	InsertOrder(ctx context.Context, o Order) error
	Order(ctx context.Context, id string) (Order, error)
	// UpdateOrder writes status, payment, refunded amount and updated_at.
	UpdateOrder(ctx context.Context, o Order) error
	// SellSeats marks the hold's seats sold to orderID and returns how many.
	SellSeats(ctx context.Context, holdID, orderID string) (int, error)
	// UnsellSeats puts the order's seats back on sale.
	UnsellSeats(ctx context.Context, orderID string) error
	InsertTickets(ctx context.Context, ts []Ticket) error
	VoidTickets(ctx context.Context, orderID string) error
	Ticket(ctx context.Context, id string) (Ticket, error)
	// CheckIn marks a valid ticket scanned if it was not yet; it reports
	// whether this call did it.
	CheckIn(ctx context.Context, ticketID string, at time.Time) (bool, error)
	SetEventStatus(ctx context.Context, eventID, status string) error
	// Enqueue adds a message to the outbox in the same transaction as the
	// change it announces.
	Enqueue(ctx context.Context, m notify.Message) error
	// UserEmail returns the e-mail address of a user.
	UserEmail(ctx context.Context, userID string) (string, error)
}
