package web_test

import (
	"regexp"
	"strings"
	"testing"
)

// TestBrowserCinema opens the test catalog's cinema (two screens, one film
// playing on both): its venue page is one showtimes grid whose times name
// their screens, readable at desktop size and at 390 px without sideways
// scrolling. A showtime on Screen 2 names its screen, draws a map that
// faces a "Screen" with Screen 2 alone (not Screen 1), lists seats as
// "Screen 2 • Row …", and a buyer holds a seat there.
func TestBrowserCinema(t *testing.T) {
	s := sharedSite(t)
	cinema := s.event(t, "cinema")
	tb := newBrowser(t, "cinema").tab(s.URL)
	tb.signIn(s.newBuyer(t))
	tb.desktop()

	tb.open("/venues/" + cinema)
	tb.do(chromedpWaitVisible("#st-h"))
	chips := func() []string {
		return eval[[]string](tb, `[...document.querySelectorAll('.showtimes a.chip')].map(a => a.innerText.replace(/\s+/g, ' ').trim())`)
	}
	times := chips()
	timeRE := regexp.MustCompile(`^\d{1,2}:\d\d [AP]M · Screen [12]$`)
	screens := map[string]int{}
	for _, c := range times {
		if !timeRE.MatchString(c) {
			t.Errorf("showtime chip reads %q, want a time and its screen", c)
		}
		screens[c[strings.Index(c, "Screen"):]]++
	}
	if n := eval[int](tb, `document.querySelectorAll('.film.card').length`); n != 1 || len(times) != 3 || screens["Screen 1"] != 2 || screens["Screen 2"] != 1 {
		t.Errorf("one grid: %d film cards, times %q; want 1 card of 3 times, 2 on Screen 1 and 1 on Screen 2", n, times)
	}
	if where := eval[string](tb, `document.querySelector('.venue-head .where').innerText`); !strings.Contains(where, "2 screens") {
		t.Errorf("venue head reads %q, want the number of screens", where)
	}
	tb.shot("01-venue-desktop")

	tb.phone()
	tb.open("/venues/" + cinema)
	tb.do(chromedpWaitVisible("#st-h"))
	if got := chips(); len(got) != len(times) {
		t.Errorf("at 390 px the grid has %d times, want %d", len(got), len(times))
	}
	if over := eval[bool](tb, `document.documentElement.scrollWidth > innerWidth ||
		[...document.querySelectorAll('.showtimes a.chip')].some(a => { const r = a.getBoundingClientRect(); return r.left < 0 || r.right > innerWidth; })`); over {
		t.Error("at 390 px the showtimes grid is wider than the screen")
	}
	tb.shot("02-venue-phone")
	tb.desktop()
	tb.open("/venues/" + cinema)
	tb.do(chromedpWaitVisible("#st-h"))

	// The Screen 2 showtime.
	tb.clickAndWait(`.showtimes a.chip[aria-label$=", Screen 2"]`)
	tb.waitFor(`document.querySelector('[data-event-id]').dataset.live === 'on'`, patience)
	if part := eval[string](tb, `document.querySelector('#event-part')?.textContent || ''`); part != "Screen 2" {
		t.Errorf("the event page names its screen %q, want Screen 2", part)
	}
	if label := eval[string](tb, `document.querySelector('#seatmap .field text')?.textContent || ''`); label != "Screen" {
		t.Errorf("the map faces %q, want Screen", label)
	}
	if secs := eval[[]string](tb, `[...document.querySelectorAll('#seatmap .sec')].map(g => g.dataset.section + '/' + g.dataset.capacity)`); len(secs) != 1 || secs[0] != "Screen 2/18" {
		t.Errorf("the map shows sections %q, want Screen 2's 18 seats alone", secs)
	}
	if others := eval[string](tb, `document.querySelector('.other-dates')?.innerText || ''`); strings.Count(others, "· Screen 1") != 2 {
		t.Errorf("the other showtimes read %q, want both on Screen 1 named so", others)
	}
	if strings.Contains(eval[string](tb, `document.querySelector('#seatmap').textContent`), "Screen 1") {
		t.Error("the Screen 2 showtime's map shows Screen 1")
	}
	first := eval[string](tb, `document.querySelector('#listing [data-offer] strong')?.innerText || ''`)
	if !strings.HasPrefix(first, "Screen 2 • Row ") {
		t.Errorf("the first offer reads %q, want Screen 2 • Row …", first)
	}
	tb.shot("03-showtime")

	tb.do(chromedpClick(`#seatmap .sec[data-section="Screen 2"]`))
	tb.waitFor(`document.querySelectorAll('#sp-seats [data-seat-id]').length === 18`, patience)
	tb.waitFor(`(() => { const y = scrollY, s = window.__lastY; window.__lastY = y; return s === y; })()`, patience)
	if title := eval[string](tb, `document.getElementById('sp-title').textContent`); !strings.HasPrefix(title, "Screen 2 · ") {
		t.Errorf("the screen's seat panel is titled %q, want Screen 2 · …", title)
	}
	tb.do(chromedpClick(`#sp-seats [data-seat-id][data-status=available]:nth-of-type(3)`))
	tb.waitFor(`document.querySelectorAll('#pick-inputs input[name=seat]').length === 1`, patience)
	tb.shot("04-screen-seats")
	tb.clickAndWait("#pick-submit")
	tb.do(chromedpWaitVisible("#hold [data-held-seat]"))
	held := eval[[]string](tb, `[...document.querySelectorAll('#hold [data-held-seat]')].map(li => li.innerText)`)
	if len(held) != 1 || !strings.HasPrefix(held[0], "Screen 2 • Row ") {
		t.Errorf("held %q, want one seat on Screen 2", held)
	}
	tb.shot("05-held")
	tb.phone()
	tb.shot("05-held-phone")
}
