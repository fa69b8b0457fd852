// Package storetest is the conformance suite of the store contract: the
// interfaces that account, catalog, booking and idempotency declare. Every
// engine (SQLite, PostgreSQL) runs the same tests through Exercise, so the
// invariants of shared/design.md are checked against the database itself,
// not against one engine's reading of them.
//
// Only _test.go files may import this package: it imports "testing".
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/idempotency"
	"github.com/boxoffice/boxoffice/internal/ids"
	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/payment"
	"github.com/boxoffice/boxoffice/internal/queue"
)

// Engine is what a store engine must implement to be tested here.
type Engine interface {
	account.Store
	catalog.Store
	booking.Store
	idempotency.Store
	Setting(ctx context.Context, name string, make func() string) (string, error)
	PaymentLedger() payment.Ledger
	queue.Store
	notify.Outbox
	notify.Mailbox
	notify.AdminStore
	OutboxBacklog(ctx context.Context, now time.Time) (notify.Backlog, error)
	Ping(ctx context.Context) error
}

// Exercise runs every conformance test against fresh stores from newStore
// (each call returns an empty, migrated store that is cleaned up via
// t.Cleanup). Subtests use t.Run and t.Parallel.
func Exercise(t *testing.T, newStore func(t *testing.T) Engine) {
	t.Helper()
	groups := []struct {
		name string
		run  func(t *testing.T, newStore func(t *testing.T) Engine)
	}{
		{"Accounts", exerciseAccounts},
		{"Catalog", exerciseCatalog},
		{"Seats", exerciseSeats},
		{"Holds", exerciseHolds},
		{"Orders", exerciseOrders},
		{"Tickets", exerciseTickets},
		{"Idempotency", exerciseIdempotency},
		{"Settings", exerciseSettings},
		{"Concurrency", exerciseConcurrency},
		{"PaymentSandbox", exercisePaymentSandbox},
		{"Queue", exerciseQueue},
		{"GroupCommit", exerciseGroupCommit},
		{"Outbox", exerciseOutbox},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			g.run(t, newStore)
		})
	}
}

// now is the fixed "current time" of every test. Tests pass times
// explicitly and move them instead of sleeping (invariant 8). It has a
// millisecond part so that engines that truncate to seconds fail.
var now = time.Date(2031, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

// parallel runs each named test as a parallel subtest with its own store.
func parallel(t *testing.T, newStore func(t *testing.T) Engine, tests map[string]func(t *testing.T, s Engine)) {
	t.Helper()
	names := make([]string, 0, len(tests))
	for name := range tests {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tests[name](t, newStore(t))
		})
	}
}

// newUser stores a customer with a fresh id and e-mail.
func newUser(t *testing.T, s Engine) account.User {
	t.Helper()
	id := ids.New("usr")
	u := account.User{ID: id, Email: id + "@example.com", Name: "User " + id, Role: account.RoleCustomer, CreatedAt: now}
	if err := s.CreateUser(context.Background(), u, "hash-"+id); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	return u
}

var admin = account.User{ID: "usr_admin", Role: account.RoleAdmin}

func ptr[T any](v T) *T { return &v }

// newVenue stores a venue through the catalog rules, which number its
// seats the way production does.
func newVenue(t *testing.T, s Engine, in catalog.VenueInput) catalog.Venue {
	t.Helper()
	if in.Name == "" {
		in.Name = "Venue " + ids.New("v")
	}
	if in.Lat == nil {
		in.Lat = ptr(45.5)
	}
	if in.Lon == nil {
		in.Lon = ptr(-122.6)
	}
	v, err := catalog.NewService(s, clock.NewFake(now)).CreateVenue(context.Background(), admin, in)
	if err != nil {
		t.Fatalf("CreateVenue: %v", err)
	}
	return v
}

// gaVenue is a venue of one general-admission area named GA.
func gaVenue(capacity int) catalog.VenueInput {
	return catalog.VenueInput{Sections: []catalog.SectionInput{{Name: "GA", GeneralAdmission: true, Capacity: capacity}}}
}

// isNotFound reports whether err is apperr.NotFound.
func isNotFound(err error) bool { return apperr.CodeOf(err) == apperr.NotFound }

// smallVenue has 16 places: section A (rows 1 and 2 of 4 seats), section
// B (one row of 3 seats) and a general-admission area GA of 5 places.
func smallVenue(t *testing.T, s Engine) catalog.Venue {
	t.Helper()
	return newVenue(t, s, catalog.VenueInput{City: "Portland", Sections: []catalog.SectionInput{
		{Name: "A", Rows: []catalog.Row{{Name: "1", Seats: 4}, {Name: "2", Seats: 4}}},
		{Name: "B", Rows: []catalog.Row{{Name: "1", Seats: 3}}},
		{Name: "GA", GeneralAdmission: true, Capacity: 5},
	}})
}

// Prices of smallEvent by section.
const (
	priceA  = 5000
	priceB  = 2500
	priceGA = 1500
)

// newEvent puts an event on sale at v through the catalog rules.
func newEvent(t *testing.T, s Engine, v catalog.Venue, in catalog.EventInput) catalog.Event {
	t.Helper()
	in.VenueID = v.ID
	if in.Name == "" {
		in.Name = "Event " + ids.New("e")
	}
	if in.Category == "" {
		in.Category = "concert"
	}
	if in.StartsAt == nil {
		in.StartsAt = ptr(now.Add(30 * 24 * time.Hour))
	}
	if in.OnsaleAt == nil {
		in.OnsaleAt = ptr(now.Add(-24 * time.Hour))
	}
	if in.Prices == nil && in.DefaultPriceCents == nil {
		in.DefaultPriceCents = ptr(int64(1000))
	}
	e, err := catalog.NewService(s, clock.NewFake(now)).CreateEvent(context.Background(), admin, in)
	if err != nil {
		t.Fatalf("CreateEvent: %v", err)
	}
	return e
}

// smallEvent is an event at a new smallVenue, priced per section.
func smallEvent(t *testing.T, s Engine) catalog.Event {
	t.Helper()
	return newEvent(t, s, smallVenue(t, s), catalog.EventInput{Prices: []catalog.Price{
		{Section: "A", PriceCents: priceA}, {Section: "B", PriceCents: priceB}, {Section: "GA", PriceCents: priceGA},
	}})
}

// seats returns the event's places, failing the test on error.
func seats(t *testing.T, s Engine, eventID string) []booking.Seat {
	t.Helper()
	ss, err := s.Seats(context.Background(), eventID)
	if err != nil {
		t.Fatalf("Seats: %v", err)
	}
	return ss
}

// seatMap indexes an event's places by seat number.
func seatMap(t *testing.T, s Engine, eventID string) map[int64]booking.Seat {
	t.Helper()
	m := map[int64]booking.Seat{}
	for _, st := range seats(t, s, eventID) {
		m[st.No] = st
	}
	return m
}

// seatNos returns the numbers of the event's places in section (and row,
// if not "").
func seatNos(t *testing.T, s Engine, eventID, section, row string) []int64 {
	t.Helper()
	var out []int64
	for _, st := range seats(t, s, eventID) {
		if st.Section == section && (row == "" || st.Row == row) {
			out = append(out, st.No)
		}
	}
	if len(out) == 0 {
		t.Fatalf("event %s has no places in section %q row %q", eventID, section, row)
	}
	return out
}

// heldSeats describes seats the way booking does when it holds them.
func heldSeats(ss []booking.Seat) ([]booking.HeldSeat, int64) {
	out := make([]booking.HeldSeat, len(ss))
	var sum int64
	for i, st := range ss {
		hs := booking.HeldSeat{No: st.No, ID: st.ID(), Section: st.Section, PriceCents: st.PriceCents}
		if st.Row != "" {
			hs.Row = ptr(st.Row)
		}
		if st.Number != 0 {
			hs.Number = ptr(st.Number)
		}
		out[i] = hs
		sum += st.PriceCents
	}
	return out, sum
}

// holdOpts describe a hold placed by placeHold.
type holdOpts struct {
	at     time.Time // the "now" of the claim; zero means now
	until  time.Time // the hold's expiry; zero means 10 minutes after at
	status booking.HoldStatus
}

// placeHold claims nos for user the way booking does (ClaimSeats, then
// InsertHold, in one transaction) and fails unless every seat was claimed.
func placeHold(t *testing.T, s Engine, eventID string, user account.User, nos []int64, o holdOpts) booking.Hold {
	t.Helper()
	h, err := tryHold(s, eventID, user, nos, o)
	if err != nil {
		t.Fatalf("place hold on %v: %v", nos, err)
	}
	return h
}

// errTaken is returned by tryHold when some seats could not be claimed.
var errTaken = errors.New("seats taken")

func tryHold(s Engine, eventID string, user account.User, nos []int64, o holdOpts) (booking.Hold, error) {
	ctx := context.Background()
	if o.at.IsZero() {
		o.at = now
	}
	if o.until.IsZero() {
		o.until = o.at.Add(10 * time.Minute)
	}
	if o.status == "" {
		o.status = booking.HoldActive
	}
	h := booking.Hold{ID: ids.New("hld"), EventID: eventID, UserID: user.ID, Status: o.status, ExpiresAt: o.until,
		Currency: "USD", CreatedAt: o.at}
	err := s.InTx(ctx, func(tx booking.Tx) error {
		ss, err := tx.SeatsByNo(ctx, eventID, nos)
		if err != nil {
			return err
		}
		if len(ss) != len(nos) {
			return fmt.Errorf("SeatsByNo(%v) found %d seats", nos, len(ss))
		}
		n, err := tx.ClaimSeats(ctx, eventID, nos, h.ID, o.until, o.at)
		if err != nil {
			return err
		}
		if n != len(nos) {
			return fmt.Errorf("%w: claimed %d of %d", errTaken, n, len(nos))
		}
		h.Seats, h.SubtotalCents = heldSeats(ss)
		h.Quantity = len(ss)
		return tx.InsertHold(ctx, h)
	})
	return h, err
}

// inTx runs fn in a transaction and fails the test if it returns an error.
func inTx(t *testing.T, s Engine, fn func(ctx context.Context, tx booking.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := s.InTx(ctx, func(tx booking.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatalf("InTx: %v", err)
	}
}

// newOrder builds (without storing) a pending order for h.
func newOrder(h booking.Hold, at time.Time) booking.Order {
	fee := int64(150) * int64(h.Quantity)
	return booking.Order{ID: ids.New("ord"), Status: booking.OrderPending, EventID: h.EventID, HoldID: h.ID, UserID: h.UserID,
		Currency: h.Currency, Delivery: "email",
		LineItems: []booking.LineItem{
			{Kind: booking.KindTicket, Description: "Tickets", Quantity: h.Quantity, UnitCents: h.SubtotalCents / int64(h.Quantity), TotalCents: h.SubtotalCents},
			{Kind: booking.KindServiceFee, Description: "Service fee", Quantity: h.Quantity, UnitCents: 150, TotalCents: fee},
		},
		SubtotalCents: h.SubtotalCents, FeesCents: fee, TotalCents: h.SubtotalCents + fee,
		Payment: booking.Payment{Provider: "fake"}, Tickets: []booking.Ticket{}, CreatedAt: at, UpdatedAt: at}
}

// insertOrder stores a pending order for h created at `at`.
func insertOrder(t *testing.T, s Engine, h booking.Hold, at time.Time) booking.Order {
	t.Helper()
	o := newOrder(h, at)
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error { return tx.InsertOrder(ctx, o) })
	return o
}

// newTickets builds (without storing) one valid ticket per seat of h.
func newTickets(o booking.Order, h booking.Hold, at time.Time) []booking.Ticket {
	out := make([]booking.Ticket, len(h.Seats))
	for i, st := range h.Seats {
		id := ids.New("tkt")
		out[i] = booking.Ticket{ID: id, OrderID: o.ID, EventID: o.EventID, UserID: o.UserID, SeatNo: st.No, SeatID: st.ID,
			Section: st.Section, Row: st.Row, Number: st.Number, Barcode: "barcode-" + id, Status: booking.TicketValid, CreatedAt: at}
	}
	return out
}

// buy takes hold h through a paid order the way checkout does: the order,
// sold seats, tickets and a converted hold. It returns the paid order
// with its tickets.
func buy(t *testing.T, s Engine, h booking.Hold, at time.Time) booking.Order {
	t.Helper()
	return buyWith(t, s, h, at)
}

// buyWith is buy with more line items on the order (add-ons, an order
// fee), added to its totals as checkout adds them.
func buyWith(t *testing.T, s Engine, h booking.Hold, at time.Time, extra ...booking.LineItem) booking.Order {
	t.Helper()
	o := newOrder(h, at)
	for _, li := range extra {
		o.LineItems = append(o.LineItems, li)
		if li.Kind == booking.KindAddOn {
			o.SubtotalCents += li.TotalCents
		} else {
			o.FeesCents += li.TotalCents
		}
		o.TotalCents += li.TotalCents
	}
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		if err := tx.InsertOrder(ctx, o); err != nil {
			return err
		}
		n, err := tx.SellSeats(ctx, h.ID, o.ID)
		if err != nil {
			return err
		}
		if n != len(h.Seats) {
			return fmt.Errorf("SellSeats sold %d of %d seats", n, len(h.Seats))
		}
		o.Tickets = newTickets(o, h, at)
		if err := tx.InsertTickets(ctx, o.Tickets); err != nil {
			return err
		}
		if err := tx.SetHoldStatus(ctx, h.ID, booking.HoldConverted, o.ID); err != nil {
			return err
		}
		o.Status = booking.OrderPaid
		o.Payment.ChargeID = "ch_" + o.ID
		return tx.UpdateOrder(ctx, o)
	})
	return o
}

// hold reads a hold, failing the test on error.
func hold(t *testing.T, s Engine, id string) booking.Hold {
	t.Helper()
	h, err := s.Hold(context.Background(), id)
	if err != nil {
		t.Fatalf("Hold(%s): %v", id, err)
	}
	return h
}

// order reads an order, failing the test on error.
func order(t *testing.T, s Engine, id string) booking.Order {
	t.Helper()
	o, err := s.Order(context.Background(), id)
	if err != nil {
		t.Fatalf("Order(%s): %v", id, err)
	}
	return o
}

// seatCounts reads an event's counts and checks invariant 2 on them.
func seatCounts(t *testing.T, s Engine, eventID string, at time.Time) booking.SeatCounts {
	t.Helper()
	c, err := s.SeatCounts(context.Background(), eventID, at)
	if err != nil {
		t.Fatalf("SeatCounts: %v", err)
	}
	if c.Available+c.Held+c.Sold != c.Capacity {
		t.Fatalf("SeatCounts %+v: available+held+sold != capacity (invariant 2)", c)
	}
	return c
}
