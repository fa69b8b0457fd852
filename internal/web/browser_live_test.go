package web_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
)

// TestBrowserLiveAvailability holds a seat in one browser and watches a
// second browser, which has the same section open, show it held within two
// seconds; then releases it and watches it come back.
func TestBrowserLiveAvailability(t *testing.T) {
	s := sharedSite(t)
	event := s.event(t, eventJets)

	watcher := newBrowser(t, "watcher").tab(s.URL)
	watcher.open("/events/" + event)
	watcher.waitFor(`document.querySelector('[data-event-id]').dataset.live === 'on'`, patience)
	watcher.do(chromedpClick(`#seatmap .sec[data-section="101"]`))
	watcher.waitFor(`document.querySelectorAll('#sp-seats [data-seat-id]').length > 50`, patience)
	seat := eval[string](watcher, `document.querySelector('#sp-seats circle[data-seat-id]:nth-of-type(3)').dataset.seatId`)
	avail := eval[string](watcher, `document.querySelector('#seatmap .sec[data-section="101"]').dataset.available`)

	buyer := newBrowser(t, "buyer").tab(s.URL)
	me := s.newBuyer(t)
	buyer.signIn(me)
	buyer.open("/events/" + event)
	buyer.waitFor(`document.querySelector('[data-event-id]').dataset.live === 'on'`, patience)
	buyer.do(chromedpClick(`#seatmap .sec[data-section="101"]`))
	sel := fmt.Sprintf(`#sp-seats [data-seat-id="%s"]`, seat)
	buyer.waitFor(fmt.Sprintf(`document.querySelector(%q)?.dataset.status === 'available'`, sel), patience)
	buyer.do(chromedpClick(sel))
	buyer.clickAndWait("#pick-submit")
	held := time.Now()
	buyer.do(chromedpWaitVisible("#hold [data-countdown]"))

	took := watcher.waitFor(fmt.Sprintf(`document.querySelector(%q).dataset.status === 'held'`, sel), liveBound)
	t.Logf("the hold showed in the other browser %v after the hold page loaded (%v after it was placed)", took.Round(time.Millisecond), time.Since(held).Round(time.Millisecond))
	watcher.waitFor(fmt.Sprintf(`document.querySelector('#seatmap .sec[data-section="101"]').dataset.available === '%d'`, atoi(t, avail)-1), liveBound)
	watcher.shot("seat-held-by-other")

	// Sold through another channel (the API's domain call), it turns sold.
	buyer.clickAndWait("#hold form[action$='/release'] button")
	watcher.waitFor(fmt.Sprintf(`document.querySelector(%q).dataset.status === 'available'`, sel), liveBound)
	u, _, err := s.App.Accounts.Login(t.Context(), me.Email, me.Password)
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.App.Booking.PlaceHold(t.Context(), u, event, booking.HoldRequest{SeatIDs: []string{seat}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Booking.PlaceOrder(t.Context(), u, booking.OrderRequest{HoldID: h.ID, PaymentToken: "tok_visa"}); err != nil {
		t.Fatal(err)
	}
	watcher.waitFor(fmt.Sprintf(`document.querySelector(%q).dataset.status === 'sold'`, sel), liveBound)
	watcher.shot("seat-sold")
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}
