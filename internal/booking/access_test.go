package booking_test

import (
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
)

func TestOwnership(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owner, other := f.customer(), f.customer()
	o := f.buy(owner, f.event.ID, f.seatID(f.event.ID, "Lower", "A", 1))
	tk := o.Tickets[0]
	h := f.hold(owner, f.event.ID, booking.HoldRequest{SeatIDs: []string{f.seatID(f.event.ID, "Lower", "A", 2)}})

	// Someone else's objects look exactly like missing ones (invariant 6),
	// for a customer and for gate staff alike.
	for _, who := range []string{"customer", "staff"} {
		u := other
		if who == "staff" {
			u = f.staff
		}
		_, err := f.svc.Hold(f.ctx, u, h.ID)
		wantCode(t, err, apperr.NotFound, who+" reads another's hold")
		err = f.svc.ReleaseHold(f.ctx, u, h.ID)
		wantCode(t, err, apperr.NotFound, who+" releases another's hold")
		_, err = f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: h.ID, PaymentToken: okCard})
		wantCode(t, err, apperr.NotFound, who+" pays for another's hold")
		_, err = f.svc.Order(f.ctx, u, o.ID)
		wantCode(t, err, apperr.NotFound, who+" reads another's order")
		_, err = f.svc.Ticket(f.ctx, u, tk.ID)
		wantCode(t, err, apperr.NotFound, who+" reads another's ticket")
		for _, missing := range []error{
			func() error { _, err := f.svc.Hold(f.ctx, u, "hld_missing"); return err }(),
			f.svc.ReleaseHold(f.ctx, u, "hld_missing"),
			func() error { _, err := f.svc.Order(f.ctx, u, "ord_missing"); return err }(),
			func() error { _, err := f.svc.Ticket(f.ctx, u, "tkt_missing"); return err }(),
		} {
			wantCode(t, missing, apperr.NotFound, who+" reads a missing object")
		}
		os, err := f.svc.Orders(f.ctx, u, true, booking.ListQuery{Limit: 50})
		if err != nil || len(os) != 0 {
			t.Fatalf("%s lists %d orders (%v), want none", who, len(os), err)
		}
		ts, err := f.svc.Tickets(f.ctx, u, booking.ListQuery{Limit: 50})
		if err != nil || len(ts) != 0 {
			t.Fatalf("%s lists %d tickets (%v), want none", who, len(ts), err)
		}
	}
	// None of it touched the owner's hold.
	if s := f.holdStatus(owner, h.ID); s != booking.HoldActive {
		t.Fatalf("owner's hold is %s", s)
	}
	if len(f.pay.Charges()) != 1 {
		t.Fatalf("charges %d", len(f.pay.Charges()))
	}
	f.checkHolds(f.event.ID, []booking.Hold{h})

	// The owner and an admin see them.
	for _, u := range []struct {
		name string
		all  bool
	}{{"owner", false}, {"admin", true}} {
		by := owner
		if u.name == "admin" {
			by = f.admin
		}
		if got, err := f.svc.Hold(f.ctx, by, h.ID); err != nil || got.ID != h.ID {
			t.Fatalf("%s reads the hold: %v", u.name, err)
		}
		if got, err := f.svc.Order(f.ctx, by, o.ID); err != nil || got.ID != o.ID || len(got.Tickets) != 1 {
			t.Fatalf("%s reads the order: %v", u.name, err)
		}
		if got, err := f.svc.Ticket(f.ctx, by, tk.ID); err != nil || got.ID != tk.ID || got.Barcode != tk.Barcode {
			t.Fatalf("%s reads the ticket: %v", u.name, err)
		}
		os, err := f.svc.Orders(f.ctx, by, u.all, booking.ListQuery{Limit: 50})
		if err != nil || len(os) != 1 || os[0].ID != o.ID {
			t.Fatalf("%s lists %d orders, %v", u.name, len(os), err)
		}
	}
	// An admin may release a buyer's hold, but not pay for it.
	_, err := f.svc.PlaceOrder(f.ctx, f.admin, booking.OrderRequest{HoldID: h.ID, PaymentToken: okCard})
	wantCode(t, err, apperr.NotFound, "admin pays for a buyer's hold")
	if err := f.svc.ReleaseHold(f.ctx, f.admin, h.ID); err != nil {
		t.Fatalf("admin releases: %v", err)
	}
	f.wantCounts(f.event.ID, capacity-1, 0, 1)
}

func TestCheckInRoles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.customer()
	o := f.buy(u, f.event.ID, f.seatID(f.event.ID, "Lower", "A", 1), f.seatID(f.event.ID, "Lower", "A", 2))
	_, err := f.svc.CheckIn(f.ctx, u, o.Tickets[0].Barcode)
	wantCode(t, err, apperr.Forbidden, "the buyer scans own ticket")
	_, err = f.svc.CheckIn(f.ctx, f.customer(), o.Tickets[0].Barcode)
	wantCode(t, err, apperr.Forbidden, "a customer scans")
	if tk, err := f.svc.Ticket(f.ctx, u, o.Tickets[0].ID); err != nil || tk.CheckedInAt != nil {
		t.Fatalf("a forbidden scan checked in: %+v, %v", tk, err)
	}
	if _, err := f.svc.CheckIn(f.ctx, f.staff, o.Tickets[0].Barcode); err != nil {
		t.Fatalf("staff scan: %v", err)
	}
	if _, err := f.svc.CheckIn(f.ctx, f.admin, o.Tickets[1].Barcode); err != nil {
		t.Fatalf("admin scan: %v", err)
	}
}

// mutations returns every barcode that differs from b in one character.
func mutations(b string) []string {
	var out []string
	for i := range len(b) {
		for _, c := range []byte{'0', '1', 'a', 'Z', '-', '_'} {
			if b[i] != c {
				out = append(out, b[:i]+string(c)+b[i+1:])
			}
		}
		if up := strings.ToUpper(b[i : i+1]); up != b[i:i+1] {
			out = append(out, b[:i]+up+b[i+1:])
		}
	}
	return out
}

func TestCheckIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.customer()
	o := f.buy(u, f.event.ID, f.seatID(f.event.ID, "Lower", "B", 4), f.seatID(f.event.ID, "Lower", "B", 5))
	first, second := o.Tickets[0], o.Tickets[1]

	in, err := f.svc.CheckIn(f.ctx, f.staff, first.Barcode)
	if err != nil || in.ID != first.ID || in.CheckedInAt == nil || !in.CheckedInAt.Equal(start) ||
		in.Section != "Lower" || in.Row == nil || *in.Row != "B" || in.Number == nil || *in.Number != *first.Number {
		t.Fatalf("check in: %+v, %v", in, err)
	}
	f.clk.Advance(time.Minute)
	_, err = f.svc.CheckIn(f.ctx, f.staff, first.Barcode)
	wantCode(t, err, apperr.AlreadyCheckedIn, "second scan")
	_, err = f.svc.CheckIn(f.ctx, f.staff, "  "+first.Barcode+"\n")
	wantCode(t, err, apperr.AlreadyCheckedIn, "second scan with spaces")
	if tk, _ := f.svc.Ticket(f.ctx, u, first.ID); tk.CheckedInAt == nil || !tk.CheckedInAt.Equal(start) {
		t.Fatalf("checked in at %v, want the first scan's time", tk.CheckedInAt)
	}

	// Every one-character change of a genuine, unscanned barcode is refused.
	ms := mutations(second.Barcode)
	if len(ms) < 5*len(second.Barcode) {
		t.Fatalf("only %d mutations", len(ms))
	}
	for _, m := range ms {
		_, err := f.svc.CheckIn(f.ctx, f.staff, m)
		wantCode(t, err, apperr.InvalidBarcode, "barcode "+m)
	}
	for _, m := range []string{"", "BO1-", "BO1--", second.Barcode[:len(second.Barcode)-1], second.Barcode + "0",
		"BO1-" + second.ID + "-", "BO1-tkt_missing-" + strings.Repeat("0", 32), first.Barcode + first.Barcode} {
		_, err := f.svc.CheckIn(f.ctx, f.staff, m)
		wantCode(t, err, apperr.InvalidBarcode, "barcode "+m)
	}
	// A barcode signed with another secret is a forgery, even for a real,
	// valid ticket; and each deployment refuses the other's.
	rogue := booking.NewService(f.store, f.pay, f.clk, booking.Options{HoldTTL: holdTTL, Secret: []byte("another-secret-0123456789abcdef")})
	v := f.customer()
	rh, err := rogue.PlaceHold(f.ctx, v, f.event.ID, booking.HoldRequest{SeatIDs: []string{f.seatID(f.event.ID, "Lower", "B", 6)}})
	if err != nil {
		t.Fatalf("hold: %v", err)
	}
	ro, err := rogue.PlaceOrder(f.ctx, v, booking.OrderRequest{HoldID: rh.ID, PaymentToken: okCard})
	if err != nil {
		t.Fatalf("order: %v", err)
	}
	_, err = f.svc.CheckIn(f.ctx, f.staff, ro.Tickets[0].Barcode)
	wantCode(t, err, apperr.InvalidBarcode, "barcode signed with another secret")
	_, err = rogue.CheckIn(f.ctx, f.staff, second.Barcode)
	wantCode(t, err, apperr.InvalidBarcode, "our barcode at another deployment")
	if _, err := rogue.CheckIn(f.ctx, f.staff, ro.Tickets[0].Barcode); err != nil {
		t.Fatalf("its own barcode: %v", err)
	}
	if tk, _ := f.svc.Ticket(f.ctx, u, second.ID); tk.CheckedInAt != nil {
		t.Fatalf("a mutated barcode checked the ticket in")
	}

	// Refunded: void, whether scanned or not.
	if _, err := f.svc.Refund(f.ctx, f.admin, o.ID); err != nil {
		t.Fatalf("refund: %v", err)
	}
	for _, tk := range o.Tickets {
		_, err := f.svc.CheckIn(f.ctx, f.staff, tk.Barcode)
		wantCode(t, err, apperr.InvalidBarcode, "void ticket")
	}
}
