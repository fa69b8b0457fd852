package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
)

// TestBrowserAdminVenueAndEvent has an organizer create a venue with the
// form (a general-admission floor and two reserved blocks, no map
// positions), put an event on sale there with prices, fees and parking,
// edit it, and watch its sales page count a hold live.
func TestBrowserAdminVenueAndEvent(t *testing.T) {
	s := sharedSite(t)
	tb := newBrowser(t, "organizer").tab(s.URL)
	tb.signIn(adminLogin)
	tb.open("/admin")
	tb.shot("01-dashboard")
	tb.clickAndWait("a[href='/admin/venues/new']")

	tb.fill("#v-name", "Riverside Hall")
	tb.fill("#v-city", "Hoboken")
	tb.fill("#v-region", "NJ")
	tb.fill("#v-lat", "40.7440")
	tb.fill("#v-lon", "-74.0324")
	// Line 0 is a GA floor of 500 and line 1 ten rows of twenty: change them.
	tb.fill("#s0_capacity", "300")
	tb.fill("#s1_name", "Left")
	tb.fill("#s1_rows", "6")
	tb.fill("#s1_seats", "12")
	tb.fill("#s2_name", "Right")
	tb.fill("#s2_rows", "6")
	tb.fill("#s2_seats", "12")
	tb.do(chromedpSetSelect("#s2_rownames", "letters"))
	tb.shot("02-venue-form")
	tb.clickAndWait("#venue-form button[type=submit]")
	if p := tb.path(); !strings.HasPrefix(p, "/admin/events/new?venue=") {
		tb.shot("venue-failed")
		t.Fatalf("after creating the venue the page is %s: %s", p, eval[string](tb, `document.querySelector('[data-error]')?.innerText || ''`))
	}

	tb.fill("#e-name", "The Hoboken Quartet")
	tb.do(chromedpSetSelect("#e-category", "concert"))
	tb.fill("#e-desc", "Chamber music by the river.")
	tb.fill("#price_0", "45")
	tb.fill("#price_1", "30")
	tb.fill("#price_2", "25.50")
	tb.fill("#e-sfee", "2.50")
	tb.fill("#addon0_name", "Parking")
	tb.fill("#addon0_price", "12")
	tb.fill("#addon0_max", "2")
	tb.shot("03-event-form")
	tb.clickAndWait("#event-form button[type=submit]")
	if p := tb.path(); !strings.Contains(p, "/sales") {
		tb.shot("event-failed")
		t.Fatalf("after creating the event the page is %s: %s", p, eval[string](tb, `document.querySelector('[data-error]')?.innerText || ''`))
	}
	eventID := strings.TrimSuffix(strings.TrimPrefix(strings.Split(tb.path(), "?")[0], "/admin/events/"), "/sales")
	if got := eval[string](tb, `document.querySelector('[data-stat=capacity]').textContent`); got != "444" {
		t.Errorf("capacity shows %s, want 300 + 72 + 72 = 444", got)
	}

	// Live sales: a buyer holds four seats; the page shows them held.
	tb.waitFor(`document.querySelector('#sales').dataset.updated !== undefined`, patience)
	u, _, err := login(t, s, s.newBuyer(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Booking.PlaceHold(t.Context(), u, eventID, booking.HoldRequest{Section: "Floor", Quantity: 4}); err != nil {
		t.Fatal(err)
	}
	tb.waitFor(`document.querySelector('[data-stat=held]').textContent === '4' && document.querySelector('[data-stat=available]').textContent === '440'`, liveBound+time.Second)
	tb.shot("04-sales-live")

	// Edit: a new name and a lower ticket limit.
	tb.open("/admin/events/" + eventID)
	tb.fill("#e-name", "The Hoboken Quartet: Late Show")
	tb.fill("#e-max", "4")
	tb.clickAndWait("#event-form button[type=submit]")
	if got := eval[string](tb, `document.querySelector('#e-name').value`); got != "The Hoboken Quartet: Late Show" {
		t.Errorf("after saving the name is %q", got)
	}
	tb.shot("05-edited")

	// The buyer's view of the new venue: a grid map with a stage.
	tb.open("/events/" + eventID)
	tb.waitFor(`document.querySelector('[data-event-id]').dataset.live === 'on'`, patience)
	if n := eval[int](tb, `document.querySelectorAll('#seatmap .sec').length`); n != 3 {
		t.Errorf("map has %d sections, want 3", n)
	}
	tb.do(chromedpClick(`#seatmap .sec[data-section="Right"]`))
	tb.waitFor(`document.querySelectorAll('#sp-seats [data-seat-id]').length === 72`, patience)
	tb.shot("06-new-event-page")
}

// TestBrowserGateCheckIn has gate staff scan a ticket (typed as a USB
// scanner types: the code and Enter): a big green answer with the seat,
// then red for a second scan and for a forged code.
func TestBrowserGateCheckIn(t *testing.T) {
	s := sharedSite(t)
	u, _, err := login(t, s, s.newBuyer(t))
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.App.Booking.PlaceHold(t.Context(), u, s.event(t, eventJets), booking.HoldRequest{BestAvailable: true, Quantity: 1})
	if err != nil {
		t.Fatal(err)
	}
	o, err := s.App.Booking.PlaceOrder(t.Context(), u, booking.OrderRequest{HoldID: h.ID, PaymentToken: "tok_visa"})
	if err != nil {
		t.Fatal(err)
	}
	tk := o.Tickets[0]

	tb := newBrowser(t, "staff").tab(s.URL)
	tb.signIn(staffLogin)
	tb.open("/gate")
	tb.waitFor(`document.activeElement && document.activeElement.id === 'barcode'`, patience)
	scan := func(code string) {
		t.Helper()
		tb.do(chromedpWaitVisible("#barcode"))
		if _, err := chromedpRunResponse(tb, "#barcode", code+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	scan(tk.Barcode)
	verdict := eval[string](tb, `document.querySelector('[data-verdict]').dataset.verdict + ' ' + document.querySelector('[data-verdict]').innerText`)
	want := "Row " + *tk.Row + " · Seat "
	if !strings.HasPrefix(verdict, "ok") || !strings.Contains(verdict, booking.SectionLabel(tk.Section)) || !strings.Contains(verdict, want) {
		t.Errorf("first scan shows %q", verdict)
	}
	tb.shot("01-green")
	if !eval[bool](tb, `document.activeElement.id === 'barcode'`) {
		t.Error("the barcode field is not focused for the next scan")
	}
	scan(tk.Barcode)
	if v := eval[string](tb, `document.querySelector('[data-verdict]').dataset.verdict + ' ' + document.querySelector('[data-verdict]').innerText`); !strings.HasPrefix(v, "bad") || !strings.Contains(v, "Already scanned") {
		t.Errorf("second scan shows %q", v)
	}
	tb.shot("02-already")
	forged := tk.Barcode[:len(tk.Barcode)-1] + "0"
	if forged == tk.Barcode {
		forged = tk.Barcode[:len(tk.Barcode)-1] + "1"
	}
	scan(forged)
	if v := eval[string](tb, `document.querySelector('[data-verdict]').dataset.verdict + ' ' + document.querySelector('[data-verdict]').innerText`); !strings.HasPrefix(v, "bad") || !strings.Contains(v, "Not valid") {
		t.Errorf("forged scan shows %q", v)
	}
	tb.phone()
	tb.shot("03-forged-phone")
}
