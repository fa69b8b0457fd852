package storetest

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/ids"
)

// checkTicket compares a ticket read back with the one stored.
func checkTicket(t *testing.T, got, want booking.Ticket) {
	t.Helper()
	if !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("ticket %s created %v, want %v", want.ID, got.CreatedAt, want.CreatedAt)
	}
	if (got.CheckedInAt == nil) != (want.CheckedInAt == nil) || (got.CheckedInAt != nil && !got.CheckedInAt.Equal(*want.CheckedInAt)) {
		t.Errorf("ticket %s checked in at %v, want %v", want.ID, got.CheckedInAt, want.CheckedInAt)
	}
	got.CreatedAt, got.CheckedInAt = want.CreatedAt, want.CheckedInAt
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ticket round trip:\n got %+v\nwant %+v", got, want)
	}
}

func exerciseTickets(t *testing.T, newStore func(t *testing.T) Engine) {
	parallel(t, newStore, map[string]func(t *testing.T, s Engine){
		"TicketRoundTrip":           testTicketRoundTrip,
		"TicketNotFound":            testTicketNotFound,
		"OneValidTicketPerSeat":     testOneValidTicketPerSeat,
		"CheckInOnce":               testCheckIn,
		"CheckinCounts":             testCheckinCounts,
		"VoidTicketsOfOneOrderOnly": testVoidTickets,
		"ScansRaceForOneTicket":     testScansRaceForOneTicket,
		"ScanRacesVoid":             testScanRacesVoid,
		"PanicInTxRollsBack":        testPanicInTxRollsBack,
	})
}

func testTicketRoundTrip(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	u := newUser(t, s)
	nos := []int64{seatNos(t, s, e.ID, "B", "")[1], seatNos(t, s, e.ID, "GA", "")[0]}
	o := buy(t, s, placeHold(t, s, e.ID, u, nos, holdOpts{}), now.Add(9*time.Millisecond))
	for _, want := range o.Tickets {
		got, err := s.Ticket(ctx, want.ID)
		if err != nil {
			t.Fatalf("Ticket: %v", err)
		}
		checkTicket(t, got, want)
		rollback(t, s, func(ctx context.Context, tx booking.Tx) error {
			got, err := tx.Ticket(ctx, want.ID)
			if err != nil {
				return err
			}
			checkTicket(t, got, want)
			return nil
		})
		if ga := want.Section == "GA"; ga != (got.Row == nil) || ga != (got.Number == nil) {
			t.Errorf("ticket %+v: a GA place has nil row and number, a reserved seat has both", got)
		}
	}
	checkOrder(t, order(t, s, o.ID), o)
}

func testTicketNotFound(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	buy(t, s, placeHold(t, s, e.ID, newUser(t, s), seatNos(t, s, e.ID, "B", "")[:1], holdOpts{}), now)
	if _, err := s.Ticket(ctx, ids.New("tkt")); !isNotFound(err) {
		t.Errorf("Ticket(unknown): %v, want not_found", err)
	}
	err := s.InTx(ctx, func(tx booking.Tx) error {
		_, err := tx.Ticket(ctx, ids.New("tkt"))
		return err
	})
	if !isNotFound(err) {
		t.Errorf("Tx.Ticket(unknown): %v, want not_found", err)
	}
}

// tryInsertTickets stores ts in its own transaction and returns the error.
func tryInsertTickets(s Engine, ts []booking.Ticket) error {
	ctx := context.Background()
	return s.InTx(ctx, func(tx booking.Tx) error { return tx.InsertTickets(ctx, ts) })
}

// validTickets lists the valid tickets of an event, sorted by seat.
func validTickets(t *testing.T, s Engine, eventID string) []booking.Ticket {
	t.Helper()
	ts, err := s.Tickets(context.Background(), booking.ListQuery{EventID: eventID, ValidOnly: true, Limit: 1000})
	if err != nil {
		t.Fatalf("Tickets: %v", err)
	}
	slices.SortFunc(ts, func(a, b booking.Ticket) int { return cmp.Compare(a.SeatNo, b.SeatNo) })
	return ts
}

func testOneValidTicketPerSeat(t *testing.T, s Engine) {
	e, e2 := smallEvent(t, s), smallEvent(t, s)
	u := newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	first := buy(t, s, placeHold(t, s, e.ID, u, a[0:2], holdOpts{}), now)

	// A second order, through a hold on another seat, whose Go code wrongly
	// asks for a ticket on a seat that already has one.
	h2 := placeHold(t, s, e.ID, u, a[2:3], holdOpts{})
	o2 := insertOrder(t, s, h2, now)
	wrong := newTickets(o2, h2, now)
	wrong[0].SeatNo, wrong[0].SeatID = a[0], first.Tickets[0].SeatID
	if err := tryInsertTickets(s, wrong); err == nil {
		t.Errorf("InsertTickets of a second valid ticket for seat %d succeeded; the database must refuse it (invariant 1)", a[0])
	}
	twice := append(newTickets(o2, h2, now), newTickets(o2, h2, now)...)
	if err := tryInsertTickets(s, twice); err == nil {
		t.Errorf("InsertTickets of two valid tickets for seat %d in one call succeeded; the database must refuse it", a[2])
	}
	if got := validTickets(t, s, e.ID); len(got) != 2 || got[0].OrderID != first.ID || got[1].OrderID != first.ID {
		t.Errorf("valid tickets after refused inserts = %+v, want only the first order's 2", got)
	}

	// The same seat number at another event is another seat.
	buy(t, s, placeHold(t, s, e2.ID, u, a[0:1], holdOpts{}), now)

	// Void, then re-issue: a seat may have many void tickets and one valid one.
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error { return tx.VoidTickets(ctx, first.ID) })
	reissued := newTickets(o2, h2, now)
	reissued[0].SeatNo, reissued[0].SeatID = a[0], first.Tickets[0].SeatID
	if err := tryInsertTickets(s, reissued); err != nil {
		t.Fatalf("InsertTickets after the seat's ticket was voided: %v", err)
	}
	if got := validTickets(t, s, e.ID); len(got) != 1 || got[0].ID != reissued[0].ID {
		t.Errorf("valid tickets = %+v, want only the re-issued one", got)
	}
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error { return tx.VoidTickets(ctx, o2.ID) })
	again := newTickets(o2, h2, now)
	again[0].SeatNo, again[0].SeatID = a[0], first.Tickets[0].SeatID
	if err := tryInsertTickets(s, again); err != nil {
		t.Errorf("re-issuing a seat with two void tickets: %v", err)
	}
}

func testCheckIn(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	o := buy(t, s, placeHold(t, s, e.ID, newUser(t, s), seatNos(t, s, e.ID, "A", "")[0:2], holdOpts{}), now)
	t0, t1 := o.Tickets[0], o.Tickets[1]
	gate := now.Add(2*time.Hour + 42*time.Millisecond)
	for i, want := range []bool{true, false, false} {
		check := func(ctx context.Context, tx booking.Tx) error {
			did, err := tx.CheckIn(ctx, t0.ID, gate.Add(time.Duration(i)*time.Minute))
			if err != nil {
				return err
			}
			if did != want {
				t.Errorf("CheckIn #%d = %v, want %v", i+1, did, want)
			}
			return nil
		}
		inTx(t, s, check)
	}
	got, err := s.Ticket(ctx, t0.ID)
	if err != nil || got.CheckedInAt == nil || !got.CheckedInAt.Equal(gate) {
		t.Errorf("checked-in ticket CheckedInAt = %v, %v; want the first scan's time %v", got.CheckedInAt, err, gate)
	}
	if got, err := s.Ticket(ctx, t1.ID); err != nil || got.CheckedInAt != nil {
		t.Errorf("other ticket CheckedInAt = %v, %v; want nil", got.CheckedInAt, err)
	}
	// A void ticket does not get in.
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error { return tx.VoidTickets(ctx, o.ID) })
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		did, err := tx.CheckIn(ctx, t1.ID, gate)
		if err != nil {
			return err
		}
		if did {
			t.Errorf("CheckIn of a void ticket = true, want false")
		}
		return nil
	})
}

// testCheckinCounts: the gate's count is of the event's valid tickets and
// the scanned ones among them; another event's tickets, a repeat scan and
// void tickets (scanned or not) do not count.
func testCheckinCounts(t *testing.T, s Engine) {
	ctx := context.Background()
	e, other := smallEvent(t, s), smallEvent(t, s)
	u := newUser(t, s)
	want := func(label string, eventID string, in, all int) {
		t.Helper()
		gotIn, gotAll, err := s.CheckinCounts(ctx, eventID)
		if err != nil || gotIn != in || gotAll != all {
			t.Errorf("%s: CheckinCounts = %d of %d, %v; want %d of %d", label, gotIn, gotAll, err, in, all)
		}
	}
	checkIn := func(ticketID string, at time.Time) {
		t.Helper()
		inTx(t, s, func(ctx context.Context, tx booking.Tx) error { _, err := tx.CheckIn(ctx, ticketID, at); return err })
	}
	want("no tickets sold", e.ID, 0, 0)
	o1 := buy(t, s, placeHold(t, s, e.ID, u, seatNos(t, s, e.ID, "A", "")[0:2], holdOpts{}), now)
	o2 := buy(t, s, placeHold(t, s, e.ID, u, seatNos(t, s, e.ID, "GA", "")[0:1], holdOpts{}), now)
	oo := buy(t, s, placeHold(t, s, other.ID, u, seatNos(t, s, other.ID, "A", "")[0:1], holdOpts{}), now)
	checkIn(oo.Tickets[0].ID, now.Add(time.Hour))
	want("three sold, none in", e.ID, 0, 3)
	want("the other event", other.ID, 1, 1)
	gate := now.Add(2 * time.Hour)
	checkIn(o1.Tickets[0].ID, gate)
	want("one in", e.ID, 1, 3)
	checkIn(o1.Tickets[0].ID, gate.Add(time.Minute))
	want("one in, scanned twice", e.ID, 1, 3)
	checkIn(o2.Tickets[0].ID, gate)
	want("two in", e.ID, 2, 3)
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error { return tx.VoidTickets(ctx, o1.ID) })
	want("a scanned and an unscanned ticket voided", e.ID, 1, 1)
	want("no such event", "evt_missing", 0, 0)
}

func testVoidTickets(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	u := newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	o1 := buy(t, s, placeHold(t, s, e.ID, u, a[0:2], holdOpts{}), now)
	o2 := buy(t, s, placeHold(t, s, e.ID, u, a[2:3], holdOpts{}), now)
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error { return tx.VoidTickets(ctx, o1.ID) })
	for _, tk := range o1.Tickets {
		if got, err := s.Ticket(ctx, tk.ID); err != nil || got.Status != booking.TicketVoid {
			t.Errorf("ticket of the voided order: %q, %v; want void", got.Status, err)
		}
	}
	if got, err := s.Ticket(ctx, o2.Tickets[0].ID); err != nil || got.Status != booking.TicketValid {
		t.Errorf("ticket of another order: %q, %v; want valid", got.Status, err)
	}
}
