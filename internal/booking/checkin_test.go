package booking_test

import (
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// chicagoEvent makes an event at a venue in Chicago (CST in December),
// starting 2026-12-06 18:00 UTC, 12:00 PM there.
func (f *fixture) chicagoEvent(name string) catalog.Event {
	f.t.Helper()
	v, err := f.catalog.CreateVenue(f.ctx, f.admin, catalog.VenueInput{Name: "Soldier Field", City: "Chicago", Country: "US",
		Lat: ptr(41.86), Lon: ptr(-87.62), Timezone: "America/Chicago",
		Sections: []catalog.SectionInput{
			{Name: "312", Rows: []catalog.Row{{Name: "12", Seats: 6}}},
			{Name: "Floor", GeneralAdmission: true, Capacity: 10},
		}})
	if err != nil {
		f.t.Fatal(err)
	}
	return f.newEvent(v, func(in *catalog.EventInput) {
		in.Name = name
		in.StartsAt = ptr(time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC))
		in.Prices = nil
	})
}

func (f *fixture) gateCount(eventID string) booking.GateCount {
	f.t.Helper()
	c, err := f.svc.GateCount(f.ctx, f.staff, eventID)
	if err != nil {
		f.t.Fatalf("gate count: %v", err)
	}
	return c
}

// TestCheckInForWrongEvent: at a gate tied to an event, a ticket for
// another event is refused with wrong_event naming that event (name, local
// date and time, venue), and nothing changes: the ticket is not scanned and
// still gets in at its own gate. An unknown event is a field error.
func TestCheckInForWrongEvent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	other := f.chicagoEvent("Bears vs. Packers")
	u := f.customer()
	h := f.hold(u, other.ID, booking.HoldRequest{Section: "Floor", Quantity: 1})
	tk := f.order(u, h.ID, okCard).Tickets[0]

	_, err := f.svc.CheckInFor(f.ctx, f.staff, tk.Barcode, f.event.ID)
	wantCode(t, err, apperr.WrongEvent, "ticket for another event")
	e, _ := apperr.As(err)
	for _, want := range []string{"Bears vs. Packers", "Sun Dec 6, 2026 12:00 PM CST", "Soldier Field"} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("wrong_event says %q, want it to name %q", e.Message, want)
		}
	}
	sc := e.Scan
	if sc == nil || sc.TicketID != tk.ID || sc.TicketEventID != other.ID || sc.TicketEventName != "Bears vs. Packers" ||
		sc.TicketVenueName != "Soldier Field" || sc.TicketEventLocalStartsAt != "2026-12-06T12:00:00-06:00" ||
		sc.TicketEventStartsAt == nil || !sc.TicketEventStartsAt.Equal(other.StartsAt) || sc.CheckedInAt != nil {
		t.Errorf("wrong_event extensions %+v", sc)
	}
	if got, _ := f.svc.Ticket(f.ctx, u, tk.ID); got.CheckedInAt != nil {
		t.Fatalf("a refused scan checked the ticket in at %v", got.CheckedInAt)
	}
	if c := f.gateCount(other.ID); c.CheckedIn != 0 || c.Tickets != 1 {
		t.Errorf("after a refused scan the ticket's event counts %+v, want 0 of 1", c)
	}

	// Unknown event: a field error, whatever the barcode; nothing changes.
	_, err = f.svc.CheckInFor(f.ctx, f.staff, tk.Barcode, "evt_nosuch")
	wantField(t, err, "event_id", "unknown event")
	_, err = f.svc.CheckInFor(f.ctx, f.staff, "garbage", "evt_nosuch")
	wantField(t, err, "event_id", "unknown event and a bad barcode")
	// A forged barcode at a gate with an event is still invalid_barcode.
	_, err = f.svc.CheckInFor(f.ctx, f.staff, tk.Barcode+"x", other.ID)
	wantCode(t, err, apperr.InvalidBarcode, "forged barcode at the right gate")
	// Buyers cannot scan, with or without an event.
	_, err = f.svc.CheckInFor(f.ctx, u, tk.Barcode, other.ID)
	wantCode(t, err, apperr.Forbidden, "customer scanning")

	// At its own gate the ticket gets in, once.
	in, err := f.svc.CheckInFor(f.ctx, f.staff, tk.Barcode, other.ID)
	if err != nil || in.ID != tk.ID || in.CheckedInAt == nil {
		t.Fatalf("own gate: %+v, %v", in, err)
	}
	if c := f.gateCount(other.ID); c != (booking.GateCount{EventID: other.ID, CheckedIn: 1, Tickets: 1}) {
		t.Errorf("count %+v, want 1 of 1", c)
	}
	// Scanned in already, at the wrong gate: still wrong_event (the
	// gate's first question is whether the holder is at the right door).
	_, err = f.svc.CheckInFor(f.ctx, f.staff, tk.Barcode, f.event.ID)
	wantCode(t, err, apperr.WrongEvent, "scanned ticket at another gate")
}

// TestRepeatScanSaysSeatAndTime: a second scan is already_checked_in with
// the first scan's time, in the venue's zone, and the seat, in the message
// and in the extensions; general admission says so.
func TestRepeatScanSaysSeatAndTime(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.chicagoEvent("Late Show")
	u := f.customer()
	o := f.buy(u, e.ID, f.seatID(e.ID, "312", "12", 5))
	tk := o.Tickets[0]
	f.clk.Set(time.Date(2026, 12, 6, 17, 2, 9, 0, time.UTC)) // 11:02:09 AM CST
	first := f.clk.Now()
	if _, err := f.svc.CheckInFor(f.ctx, f.staff, tk.Barcode, e.ID); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(20 * time.Minute)
	for _, gate := range []string{e.ID, ""} {
		_, err := f.svc.CheckInFor(f.ctx, f.staff, tk.Barcode, gate)
		wantCode(t, err, apperr.AlreadyCheckedIn, "second scan at gate "+gate)
		ae, _ := apperr.As(err)
		if want := "this ticket was already scanned at 11:02:09 AM CST (Sec 312 · Row 12 · Seat 5)"; ae.Message != want {
			t.Errorf("second scan says %q, want %q", ae.Message, want)
		}
		sc := ae.Scan
		if sc == nil || sc.TicketID != tk.ID || sc.CheckedInAt == nil || !sc.CheckedInAt.Equal(first) ||
			sc.LocalCheckedInAt != "2026-12-06T11:02:09-06:00" || sc.Section != "312" ||
			sc.Row == nil || *sc.Row != "12" || sc.Number == nil || *sc.Number != 5 || sc.TicketEventID != e.ID {
			t.Errorf("second scan extensions %+v", sc)
		}
	}
	if c := f.gateCount(e.ID); c.CheckedIn != 1 || c.Tickets != 1 {
		t.Errorf("count after a repeat scan %+v, want 1 of 1", c)
	}

	h := f.hold(u, e.ID, booking.HoldRequest{Section: "Floor", Quantity: 1})
	ga := f.order(u, h.ID, okCard).Tickets[0]
	if _, err := f.svc.CheckIn(f.ctx, f.staff, ga.Barcode); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.CheckIn(f.ctx, f.staff, ga.Barcode)
	if ae, _ := apperr.As(err); ae == nil || !strings.HasSuffix(ae.Message, "(Floor · General admission)") || ae.Scan.Row != nil {
		t.Errorf("general admission repeat scan: %v", err)
	}
}

// TestGateCount: who is in, per event, for staff and admins only; an
// unknown event is not_found.
func TestGateCount(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.customer()
	o := f.buy(u, f.event.ID, f.seatID(f.event.ID, "Lower", "A", 1), f.seatID(f.event.ID, "Lower", "A", 2))
	if c := f.gateCount(f.event.ID); c != (booking.GateCount{EventID: f.event.ID, CheckedIn: 0, Tickets: 2}) {
		t.Errorf("count %+v, want 0 of 2", c)
	}
	if _, err := f.svc.CheckIn(f.ctx, f.staff, o.Tickets[1].Barcode); err != nil {
		t.Fatal(err)
	}
	if c, err := f.svc.GateCount(f.ctx, f.admin, f.event.ID); err != nil || c.CheckedIn != 1 || c.Tickets != 2 {
		t.Errorf("admin's count %+v, %v; want 1 of 2", c, err)
	}
	_, err := f.svc.GateCount(f.ctx, u, f.event.ID)
	wantCode(t, err, apperr.Forbidden, "customer counting")
	_, err = f.svc.GateCount(f.ctx, f.staff, "evt_nosuch")
	wantCode(t, err, apperr.NotFound, "unknown event")
}

// TestRaceScansAtTwoGates: the same ticket scanned at once at its own
// event's gates and at another event's: exactly one scan admits it, the
// other own-gate scans are already_checked_in with the winner's time, and
// every other-event scan is wrong_event; the count says one.
func TestRaceScansAtTwoGates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	other := f.chicagoEvent("Other Gate")
	o := f.buy(f.customer(), f.event.ID, f.seatID(f.event.ID, "Upper", "1", 3))
	tk := o.Tickets[0]
	const n = 12
	_, errs := race(n, func(i int) (booking.Ticket, error) {
		gate := f.event.ID
		if i%3 == 0 {
			gate = other.ID
		}
		return f.svc.CheckInFor(f.ctx, f.staff, tk.Barcode, gate)
	})
	got := tally(errs)
	if got[""] != 1 || got[apperr.AlreadyCheckedIn] != n-n/3-1 || got[apperr.WrongEvent] != n/3 {
		t.Fatalf("scans ended %v; want 1 admitted, %d already checked in, %d wrong event", got, n-n/3-1, n/3)
	}
	for i, err := range errs {
		if e, ok := apperr.As(err); ok && e.Code == apperr.AlreadyCheckedIn && (e.Scan == nil || e.Scan.CheckedInAt == nil || !e.Scan.CheckedInAt.Equal(start)) {
			t.Errorf("scan %d: already_checked_in without the winner's time: %+v", i, e.Scan)
		}
	}
	if c := f.gateCount(f.event.ID); c.CheckedIn != 1 || c.Tickets != 1 {
		t.Errorf("count %+v, want 1 of 1", c)
	}
}

// TestSectionLabel: codes get "Sec", words are said alone.
func TestSectionLabel(t *testing.T) {
	for name, want := range map[string]string{
		"312": "Sec 312", "A": "Sec A", "B2": "Sec B2", "VIP": "Sec VIP",
		"Floor": "Floor", "Screen 2": "Screen 2", "Upper Deck": "Upper Deck", "Left": "Left",
	} {
		if got := booking.SectionLabel(name); got != want {
			t.Errorf("SectionLabel(%q) = %q, want %q", name, got, want)
		}
	}
}
