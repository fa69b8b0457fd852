package web_test

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBrowserHoldExpiry runs a server whose holds last 6 seconds (30
// under -race): the hold
// panel counts down, then says the hold expired and offers to search again,
// and the seats are available again on the map without any job having run.
func TestBrowserHoldExpiry(t *testing.T) {
	s := startSite(t, siteOptions{holdTTL: shortHold})
	event := s.event(t, eventConcert) // the arena with a general-admission floor
	tb := newBrowser(t, "buyer").tab(s.URL)
	tb.signIn(buyerLogin)
	tb.open("/events/" + event)
	tb.waitFor(`document.querySelector('[data-event-id]').dataset.live === 'on'`, patience)

	// General admission: zoom into the floor and hold a quantity.
	tb.do(chromedpClick(`#seatmap .sec.ga`))
	tb.do(chromedpWaitVisible("#pick-ga"))
	floor := eval[string](tb, `document.querySelector('#seatmap .sec.ga').dataset.available`)
	tb.do(chromedpSetSelect("#ga-qty", "3"))
	tb.shot("ga-floor")
	tb.clickAndWait("#pick-submit")
	tb.do(chromedpWaitVisible("#hold [data-countdown][data-expires-at]"))
	if n := eval[int](tb, `document.querySelectorAll('#hold [data-held-seat]').length`); n != 3 {
		t.Errorf("hold panel lists %d places, want 3", n)
	}
	tb.waitFor(`document.querySelector('[data-event-id]').dataset.live === 'on'`, patience)
	tb.waitFor(`document.querySelector('#seatmap .sec.ga').dataset.available === '`+strconv.Itoa(atoi(t, floor)-3)+`'`, liveBound+time.Second)
	first := eval[string](tb, `document.querySelector('#hold [data-countdown]').textContent`)
	tb.shot("counting-down")
	time.Sleep(1100 * time.Millisecond)
	if later := eval[string](tb, `document.querySelector('#hold [data-countdown]').textContent`); later == first {
		t.Errorf("the countdown did not move: %q then %q", first, later)
	}

	tb.waitFor(`!document.querySelector('#hold [data-expired]').hidden`, shortHold+liveBound)
	msg := eval[string](tb, `document.querySelector('#hold [data-expired]').innerText`)
	if !strings.Contains(msg, "expired") || !strings.Contains(msg, "Search again") {
		t.Errorf("expired panel says %q", msg)
	}
	// The seats are back: statuses are computed at read time.
	tb.waitFor(`document.querySelector('#seatmap .sec.ga').dataset.available === '`+floor+`'`, liveBound+time.Second)
	tb.shot("expired")
	tb.clickAndWait("#hold [data-expired] a")
	if p := tb.path(); p != "/events/"+event {
		t.Errorf("search again went to %s", p)
	}
}

// TestBrowserDeclinedThenGoodCard has a card declined at checkout: the page
// says so, the hold stays and its countdown keeps running, and a good card
// then buys the tickets.
func TestBrowserDeclinedThenGoodCard(t *testing.T) {
	s := sharedSite(t)
	event := s.event(t, eventJets)
	tb := newBrowser(t, "buyer").tab(s.URL)
	tb.signIn(s.newBuyer(t))
	tb.open("/events/" + event + "?quantity=3&sort=best")
	tb.clickAndWait("#listing [data-offer] button[type=submit]")
	tb.clickAndWait("#to-checkout")
	expires := eval[string](tb, `document.querySelector('[data-expires-at]').dataset.expiresAt`)

	tb.fill("#card_number", "4000 0000 0000 0002")
	tb.clickAndWait("button[type=submit][name=place-order]")
	msg := eval[string](tb, `document.querySelector('[data-error]')?.innerText || ''`)
	if !strings.Contains(strings.ToLower(msg), "declined") {
		t.Fatalf("after a declined card the page says %q", msg)
	}
	if again := eval[string](tb, `document.querySelector('[data-expires-at]').dataset.expiresAt`); again != expires {
		t.Errorf("the hold's expiry moved from %s to %s", expires, again)
	}
	if eval[bool](tb, `document.querySelector('[data-countdown]').closest('[data-active]').hidden`) {
		t.Error("the hold panel went away after a decline")
	}
	tb.shot("declined")

	tb.fill("#card_number", "4242424242424242")
	tb.clickAndWait("button[type=submit][name=place-order]")
	tb.waitFor(`document.querySelectorAll('[data-ticket-id]').length === 3 && [...document.querySelectorAll('[data-ticket-id] img')].every(i => i.complete && i.naturalWidth > 0)`, patience)
	tb.shot("paid")
}
