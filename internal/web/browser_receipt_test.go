package web_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/booking"
)

// TestBrowserReceipt: the receipt names the card the provider charged
// (brand and last four) instead of "fake · charge ch_…", the order goes
// by its short number on the receipt and in My tickets, times are in the
// venue's zone (Chicago, CST), and the gate's "already scanned" says when
// in that zone too. Desktop and 390 px phone screenshots.
func TestBrowserReceipt(t *testing.T) {
	s := sharedSite(t)
	e := s.feeEvent(t, "Receipt Test Night")
	reg := s.newBuyer(t)
	u, _, err := login(t, s, reg)
	if err != nil {
		t.Fatal(err)
	}
	o := s.buyFor(t, u, e.ID, booking.HoldRequest{Section: "Floor", Quantity: 2}, "5555 5555 5555 4444")
	if o.Number < 1 {
		t.Fatalf("the order has number %d", o.Number)
	}
	ref := "#" + strconv.FormatInt(o.Number, 10)

	tb := newBrowser(t, "buyer").tab(s.URL)
	tb.signIn(reg)
	tb.open("/orders/" + o.ID)
	if got := eval[string](tb, `document.querySelector('h1 [data-order-number]').innerText`); got != ref {
		t.Errorf("the receipt's heading names order %q, want %q", got, ref)
	}
	paid := eval[string](tb, `document.querySelector('[data-paid-with]').innerText`)
	if !strings.HasPrefix(paid, "Paid with Mastercard ending in 4444 · order "+ref) || !regexp.MustCompile(`\d{1,2}:\d\d [AP]M CST$`).MatchString(paid) {
		t.Errorf("receipt says %q", paid)
	}
	page := eval[string](tb, `document.querySelector('main').innerText`)
	for _, bad := range []string{"fake", "ch_", o.ID} {
		if strings.Contains(page, bad) {
			t.Errorf("the receipt shows %q", bad)
		}
	}
	if !strings.Contains(page, "CST") {
		t.Error("the receipt's event time is not in the venue's zone")
	}
	tb.shot("01-receipt")
	tb.phone()
	tb.shot("01-receipt-phone")
	tb.desktop()

	tb.open("/me/tickets")
	if !strings.Contains(eval[string](tb, `document.querySelector('table.data').innerText`), ref) {
		t.Errorf("My tickets does not list order %s", ref)
	}

	// The gate: a second scan says when the first was, in Chicago time.
	if _, err := s.App.Booking.CheckIn(t.Context(), staffUser(t, s), o.Tickets[0].Barcode); err != nil {
		t.Fatal(err)
	}
	gate := newBrowser(t, "staff").tab(s.URL)
	gate.signIn(staffLogin)
	gate.open("/gate")
	gate.do(chromedpWaitVisible("#barcode"))
	if _, err := chromedpRunResponse(gate, "#barcode", o.Tickets[0].Barcode+"\n"); err != nil {
		t.Fatal(err)
	}
	v := eval[string](gate, `document.querySelector('[data-verdict]').innerText`)
	if !strings.Contains(v, "Already scanned") || !regexp.MustCompile(`scanned at \d{1,2}:\d\d:\d\d [AP]M CST`).MatchString(v) {
		t.Errorf("second scan shows %q", v)
	}
	gate.phone()
	gate.shot("02-gate-already-phone")
}

func staffUser(t *testing.T, s *site) account.User {
	t.Helper()
	u, _, err := login(t, s, staffLogin)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
