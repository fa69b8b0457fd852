package booking_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/payment"
	"github.com/boxoffice/boxoffice/internal/store/sqlite"
)

// start is "now" in every fixture: after the default event goes on sale
// (2026-11-20 15:00) and before it starts (2026-12-01 18:00).
var start = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

const (
	holdTTL   = 5 * time.Minute
	lowerCts  = 2500 // section "Lower"
	upperCts  = 1500 // section "Upper"
	floorCts  = 9900 // section "Floor" (general admission)
	svcFee    = 475
	orderFee  = 395
	parkCts   = 7500
	progCts   = 1000
	okCard    = "tok_visa"
	badCard   = "tok_chargeDeclined"
	errorCard = "tok_processingError"
)

// fixture is one complete, private world: its own SQLite file, clock,
// services, users, venue and on-sale event.
type fixture struct {
	t        *testing.T
	ctx      context.Context
	store    *sqlite.Store
	clk      *clock.Fake
	accounts *account.Service
	catalog  *catalog.Service
	pay      *payment.Fake
	svc      *booking.Service

	admin account.User
	staff account.User
	venue catalog.Venue
	event catalog.Event // Lower A/B/C×10 @2500, Upper 1/2×8 @1500, Floor GA 20 @9900; fees; add-ons

	users atomic.Int64
}

// fixtureOptions change how a fixture is built.
type fixtureOptions struct {
	// provider wraps the fake payment provider (the fixture's clock and fake
	// are ready when it is called).
	provider func(f *fixture) payment.Provider
	latency  time.Duration
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, fixtureOptions{})
}

func newFixtureWith(t *testing.T, o fixtureOptions) *fixture {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "boxoffice.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{t: t, ctx: ctx, store: st, clk: clock.NewFake(start)}
	f.accounts = account.NewService(st, account.NewTestHasher(), f.clk)
	f.catalog = catalog.NewService(st, f.clk)
	f.pay = payment.NewFake(payment.FakeOptions{Now: f.clk.Now, Latency: o.latency})
	var p payment.Provider = f.pay
	if o.provider != nil {
		p = o.provider(f)
	}
	f.svc = booking.NewService(st, p, f.clk, booking.Options{HoldTTL: holdTTL, Secret: []byte("test-secret-0123456789abcdef")})

	f.admin, err = f.accounts.CreateUser(ctx, account.User{Role: account.RoleAdmin},
		account.Registration{Email: "admin@example.com", Password: "admin-password", Name: "Admin", Role: account.RoleAdmin})
	if err != nil {
		t.Fatalf("create admin: %v", err)
	}
	f.staff, err = f.accounts.CreateUser(ctx, f.admin,
		account.Registration{Email: "gate@example.com", Password: "staff-password", Name: "Gate", Role: account.RoleStaff})
	if err != nil {
		t.Fatalf("create staff: %v", err)
	}
	f.venue = f.newVenue([]catalog.SectionInput{
		{Name: "Lower", Rows: []catalog.Row{{Name: "A", Seats: 10}, {Name: "B", Seats: 10}, {Name: "C", Seats: 10}}},
		{Name: "Upper", Rows: []catalog.Row{{Name: "1", Seats: 8}, {Name: "2", Seats: 8}}},
		{Name: "Floor", GeneralAdmission: true, Capacity: 20},
	})
	f.event = f.newEvent(f.venue, nil)
	return f
}

func ptr[T any](v T) *T { return &v }

// newVenue creates a venue with the given sections.
func (f *fixture) newVenue(sections []catalog.SectionInput) catalog.Venue {
	f.t.Helper()
	v, err := f.catalog.CreateVenue(f.ctx, f.admin, catalog.VenueInput{Name: "Test Arena", City: "Testville", Country: "US",
		Lat: ptr(40.0), Lon: ptr(-74.0), Timezone: "UTC", Sections: sections})
	if err != nil {
		f.t.Fatalf("create venue: %v", err)
	}
	return v
}

// eventInput is the default event: on sale since 2026-11-20, starting
// 2026-12-01, 8 tickets per buyer, $4.75 per ticket and $3.95 per order,
// parking (max 1) and a programme (max 4).
func (f *fixture) eventInput(v catalog.Venue) catalog.EventInput {
	in := catalog.EventInput{VenueID: v.ID, Name: "Test Event", Category: "concert",
		StartsAt: ptr(time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)), OnsaleAt: ptr(time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)),
		MaxTicketsPerUser: ptr(8), Currency: "USD", DefaultPriceCents: ptr(int64(lowerCts)),
		ServiceFeeCents: svcFee, OrderFeeCents: orderFee,
		AddOns: []catalog.AddOnInput{{Name: "Gold Parking", PriceCents: parkCts, MaxPerOrder: 1}, {Name: "Programme", PriceCents: progCts, MaxPerOrder: 4}}}
	for _, s := range v.Sections {
		switch s.Name {
		case "Lower":
			in.Prices = append(in.Prices, catalog.Price{Section: s.Name, PriceCents: lowerCts})
		case "Upper":
			in.Prices = append(in.Prices, catalog.Price{Section: s.Name, PriceCents: upperCts})
		case "Floor":
			in.Prices = append(in.Prices, catalog.Price{Section: s.Name, PriceCents: floorCts})
		}
	}
	return in
}

// newEvent creates an event at v from the default input, changed by edit.
func (f *fixture) newEvent(v catalog.Venue, edit func(*catalog.EventInput)) catalog.Event {
	f.t.Helper()
	in := f.eventInput(v)
	if edit != nil {
		edit(&in)
	}
	e, err := f.catalog.CreateEvent(f.ctx, f.admin, in)
	if err != nil {
		f.t.Fatalf("create event: %v", err)
	}
	return e
}

// customer signs a new customer up.
func (f *fixture) customer() account.User {
	f.t.Helper()
	n := f.users.Add(1)
	u, _, err := f.accounts.Register(f.ctx, account.Registration{Email: fmt.Sprintf("buyer%d@example.com", n),
		Password: "correct horse battery", Name: fmt.Sprintf("Buyer %d", n)})
	if err != nil {
		f.t.Fatalf("register customer: %v", err)
	}
	return u
}

// customers signs n customers up.
func (f *fixture) customers(n int) []account.User {
	f.t.Helper()
	us := make([]account.User, n)
	for i := range us {
		us[i] = f.customer()
	}
	return us
}

// wantCode fails unless err carries code.
func wantCode(t *testing.T, err error, code apperr.Code, what string) {
	t.Helper()
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("%s: got code %q (err %v), want %q", what, got, err, code)
	}
}

// wantField fails unless err is a validation error naming field.
func wantField(t *testing.T, err error, field, what string) {
	t.Helper()
	wantCode(t, err, apperr.Invalid, what)
	e, _ := apperr.As(err)
	for _, fe := range e.Fields {
		if fe.Field == field {
			return
		}
	}
	t.Fatalf("%s: validation error %v does not name field %q (fields %v)", what, err, field, e.Fields)
}

func (f *fixture) hold(u account.User, eventID string, r booking.HoldRequest) booking.Hold {
	f.t.Helper()
	h, err := f.svc.PlaceHold(f.ctx, u, eventID, r)
	if err != nil {
		f.t.Fatalf("place hold %+v: %v", r, err)
	}
	return h
}

func (f *fixture) order(u account.User, holdID, token string, addOns ...booking.AddOnChoice) booking.Order {
	f.t.Helper()
	o, err := f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: holdID, PaymentToken: token, AddOns: addOns})
	if err != nil {
		f.t.Fatalf("place order for hold %s: %v", holdID, err)
	}
	return o
}

// buy holds the exact seats and pays for them.
func (f *fixture) buy(u account.User, eventID string, seatIDs ...string) booking.Order {
	f.t.Helper()
	h := f.hold(u, eventID, booking.HoldRequest{SeatIDs: seatIDs})
	o := f.order(u, h.ID, okCard)
	if o.Status != booking.OrderPaid || len(o.Tickets) != len(seatIDs) {
		f.t.Fatalf("order %s: status %s with %d tickets, want paid with %d", o.ID, o.Status, len(o.Tickets), len(seatIDs))
	}
	return o
}

func (f *fixture) holdStatus(u account.User, id string) booking.HoldStatus {
	f.t.Helper()
	h, err := f.svc.Hold(f.ctx, u, id)
	if err != nil {
		f.t.Fatalf("read hold %s: %v", id, err)
	}
	return h.Status
}

func (f *fixture) orderOf(id string) booking.Order {
	f.t.Helper()
	o, err := f.svc.Order(f.ctx, f.admin, id)
	if err != nil {
		f.t.Fatalf("read order %s: %v", id, err)
	}
	return o
}

// seats returns the event's places, keyed by id.
func (f *fixture) seats(eventID string) []booking.Seat {
	f.t.Helper()
	ss, err := f.store.Seats(f.ctx, eventID)
	if err != nil {
		f.t.Fatalf("seats: %v", err)
	}
	return ss
}

// seatID returns the id of a numbered seat.
func (f *fixture) seatID(eventID, section, row string, number int) string {
	f.t.Helper()
	for _, st := range f.seats(eventID) {
		if st.Section == section && st.Row == row && st.Number == number {
			return st.ID()
		}
	}
	f.t.Fatalf("no seat %s-%s-%d", section, row, number)
	return ""
}

// statuses returns every place's status on the public seat map, by seat id
// (general-admission places are not listed one by one there, so they are
// left out).
func (f *fixture) statuses(eventID string) map[string]booking.SeatStatus {
	f.t.Helper()
	m, err := f.svc.SeatMap(f.ctx, eventID)
	if err != nil {
		f.t.Fatalf("seat map: %v", err)
	}
	out := map[string]booking.SeatStatus{}
	for _, sec := range m.Sections {
		for _, r := range sec.Rows {
			for _, st := range r.Seats {
				out[st.ID] = st.Status
			}
		}
	}
	return out
}

// gaAvailable is the seat map's available count of a GA section.
func (f *fixture) gaAvailable(eventID, section string) int {
	f.t.Helper()
	m, err := f.svc.SeatMap(f.ctx, eventID)
	if err != nil {
		f.t.Fatalf("seat map: %v", err)
	}
	for _, sec := range m.Sections {
		if sec.Name == section {
			return sec.Available
		}
	}
	f.t.Fatalf("no section %s on the seat map", section)
	return 0
}

// counts reads SeatCounts and checks invariant 2 on them.
func (f *fixture) counts(eventID string) booking.SeatCounts {
	f.t.Helper()
	c, err := f.store.SeatCounts(f.ctx, eventID, f.clk.Now())
	if err != nil {
		f.t.Fatalf("seat counts: %v", err)
	}
	if c.Available+c.Held+c.Sold != c.Capacity || c.Available < 0 || c.Held < 0 || c.Sold < 0 {
		f.t.Fatalf("invariant 2 broken: %+v", c)
	}
	return c
}

// wantCounts checks available, held and sold (and that they add up).
func (f *fixture) wantCounts(eventID string, available, held, sold int) {
	f.t.Helper()
	c := f.counts(eventID)
	if c.Available != available || c.Held != held || c.Sold != sold {
		f.t.Fatalf("seat counts %+v, want available %d, held %d, sold %d", c, available, held, sold)
	}
}

// checkHolds reads each hold back (as admin) and checks that their seats
// are disjoint, that each is held on the seat map, and that SeatCounts
// agree: Held equals the total, invariant 2 holds.
func (f *fixture) checkHolds(eventID string, holds []booking.Hold) {
	f.t.Helper()
	owner := map[string]string{}
	total := 0
	for _, h := range holds {
		got, err := f.svc.Hold(f.ctx, f.admin, h.ID)
		if err != nil {
			f.t.Fatalf("read hold %s: %v", h.ID, err)
		}
		if got.Status != booking.HoldActive || got.Quantity != len(got.Seats) {
			f.t.Fatalf("hold %s: status %s, quantity %d, %d seats", h.ID, got.Status, got.Quantity, len(got.Seats))
		}
		for _, s := range got.Seats {
			if other, ok := owner[s.ID]; ok {
				f.t.Fatalf("invariant 1 broken: seat %s is in holds %s and %s", s.ID, other, h.ID)
			}
			owner[s.ID] = h.ID
		}
		total += len(got.Seats)
	}
	c := f.counts(eventID)
	if c.Held != total {
		f.t.Fatalf("SeatCounts held %d, but the holds have %d seats", c.Held, total)
	}
	held := 0
	for _, st := range f.seats(eventID) {
		if st.Status(f.clk.Now()) == booking.SeatHeld {
			held++
			if owner[st.ID()] != st.HoldID {
				f.t.Fatalf("seat %s is held by %q in the store, want %q", st.ID(), st.HoldID, owner[st.ID()])
			}
		}
	}
	if held != total {
		f.t.Fatalf("%d seats held in the store, want %d", held, total)
	}
}

// race runs fn(i) for i in [0,n) in n goroutines released at once and
// returns their errors by i.
func race[T any](n int, fn func(i int) (T, error)) ([]T, []error) {
	out, errs := make([]T, n), make([]error, n)
	var ready, done sync.WaitGroup
	gate := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			ready.Done()
			<-gate
			out[i], errs[i] = fn(i)
		}()
	}
	ready.Wait()
	close(gate)
	done.Wait()
	return out, errs
}

// tally counts errors by code ("" for success).
func tally(errs []error) map[apperr.Code]int {
	m := map[apperr.Code]int{}
	for _, err := range errs {
		m[apperr.CodeOf(err)]++
	}
	return m
}

// seatNumbers returns the numbers of held seats, sorted.
func seatNumbers(t *testing.T, seats []booking.HeldSeat) []int {
	t.Helper()
	var ns []int
	for _, s := range seats {
		if s.Number == nil {
			t.Fatalf("seat %s has no number", s.ID)
		}
		ns = append(ns, *s.Number)
	}
	sort.Ints(ns)
	return ns
}

// adjacentInOneRow fails unless seats are consecutive numbers of one row.
func adjacentInOneRow(t *testing.T, seats []booking.HeldSeat) {
	t.Helper()
	if len(seats) == 0 {
		t.Fatalf("no seats")
	}
	for _, s := range seats {
		if s.Row == nil || seats[0].Row == nil || *s.Row != *seats[0].Row || s.Section != seats[0].Section {
			t.Fatalf("seats %v are not in one row", describe(seats))
		}
	}
	ns := seatNumbers(t, seats)
	for i := 1; i < len(ns); i++ {
		if ns[i] != ns[i-1]+1 {
			t.Fatalf("seats %v are not adjacent", describe(seats))
		}
	}
}

func describe(seats []booking.HeldSeat) []string {
	var out []string
	for _, s := range seats {
		d := s.Section
		if s.Row != nil {
			d += "-" + *s.Row
		}
		if s.Number != nil {
			d += "-" + strconv.Itoa(*s.Number)
		}
		out = append(out, d)
	}
	return out
}

func ids(seats []booking.HeldSeat) []string {
	out := make([]string, len(seats))
	for i, s := range seats {
		out[i] = s.ID
	}
	sort.Strings(out)
	return out
}

// hookProvider is the fake provider with hooks around Charge and Lookup,
// to stage what a real network and a crashing process do.
type hookProvider struct {
	*payment.Fake
	beforeCharge func(req payment.ChargeRequest)
	// charge replaces the fake's Charge when set.
	charge func(ctx context.Context, req payment.ChargeRequest) (payment.Charge, error)
	// lookup replaces the fake's Lookup when set.
	lookup func(ctx context.Context, key string) (payment.Charge, error)
	// refund replaces the fake's Refund when set.
	refund func(ctx context.Context, req payment.RefundRequest) (payment.Refund, error)
}

func (p *hookProvider) Refund(ctx context.Context, req payment.RefundRequest) (payment.Refund, error) {
	if p.refund != nil {
		return p.refund(ctx, req)
	}
	return p.Fake.Refund(ctx, req)
}

func (p *hookProvider) Charge(ctx context.Context, req payment.ChargeRequest) (payment.Charge, error) {
	if p.beforeCharge != nil {
		p.beforeCharge(req)
	}
	if p.charge != nil {
		return p.charge(ctx, req)
	}
	return p.Fake.Charge(ctx, req)
}

func (p *hookProvider) Lookup(ctx context.Context, key string) (payment.Charge, error) {
	if p.lookup != nil {
		return p.lookup(ctx, key)
	}
	return p.Fake.Lookup(ctx, key)
}
