package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"
)

// TestBrowserKeyboardOnly buys tickets with the keyboard alone: Tab,
// typing, Enter, Space and the arrow keys. On the way it checks that every
// control of every page has a label.
func TestBrowserKeyboardOnly(t *testing.T) {
	s := sharedSite(t)
	me := s.newBuyer(t)
	tb := newBrowser(t, "keyboard").tab(s.URL)

	tb.open("/")
	tb.auditLabels()
	tb.tabTo(`a[href="/login"]`, 10)
	tb.pressAndWait("\r")
	tb.auditLabels()
	tb.tabTo("#email", 10)
	tb.press(me.Email)
	tb.press("\t")
	tb.press(me.Password)
	tb.pressAndWait("\r")

	tb.tabTo("#q", 10)
	tb.press("Giants")
	tb.pressAndWait("\r")
	tb.tabTo(".event-card a", 30)
	tb.pressAndWait("\r")
	tb.waitFor(`document.querySelector('[data-event-id]').dataset.live === 'on'`, patience)
	tb.auditLabels()

	// The map is one tab stop; arrows move between sections, Enter opens.
	presses := tb.tabTo("#seatmap .sec", 40)
	t.Logf("the seat map is %d Tab presses from the top of the event page", presses)
	for range 3 {
		tb.press(kb.ArrowRight)
	}
	section := eval[string](tb, `document.activeElement.dataset.section`)
	tb.press("\r")
	tb.waitFor(`!document.getElementById('section-panel').hidden && document.querySelectorAll('#sp-seats [data-seat-id]').length > 0`, patience)
	// Into the seats: one tab stop, Space picks, arrows move along the row.
	tb.tabTo("#sp-seats .seat", 5)
	tb.press(" ")
	tb.press(kb.ArrowRight)
	tb.press(" ")
	tb.waitFor(`document.querySelectorAll('#pick-inputs input[name=seat]').length === 2`, liveBound+time.Second)
	tb.auditLabels()
	tb.shot("01-picked-with-keys")
	tb.tabTo("#pick-submit", 5)
	tb.pressAndWait("\r")
	held := eval[string](tb, `document.querySelector('#hold').innerText`)
	if !strings.Contains(held, "Sec "+section) {
		t.Errorf("held seats are not in section %s: %q", section, held)
	}

	tb.tabTo("#to-checkout", 30)
	tb.pressAndWait("\r")
	tb.auditLabels()
	tb.tabTo("#card_number", 20)
	tb.press("4242424242424242")
	tb.tabTo(`button[name="place-order"]`, 10)
	tb.pressAndWait("\r")
	tb.waitFor(`document.querySelectorAll('[data-ticket-id]').length === 2`, patience)
	tb.auditLabels()
	tb.shot("02-tickets")
}
