package web_test

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/boxoffice/boxoffice/internal/catalog"
)

// bowlEvent puts a bowl on sale shaped like the demo stadium's, small
// enough to make in a test: a lower ring of 48 narrow sections on the
// demo's radii (the dearest seats), section 112 of them 30 rows deep, and
// an upper ring of 40 cheaper ones around it.
func (s *site) bowlEvent(t *testing.T) string {
	t.Helper()
	var secs []catalog.SectionInput
	var prices []catalog.Price
	ring := func(first, n int, rx, ry float64, price int64) {
		for i := range n {
			a := 2*math.Pi*float64(i)/float64(n) - math.Pi/2
			x, y := 500+rx*math.Cos(a), 500+ry*math.Sin(a)
			name := strconv.Itoa(first + i)
			rows := []catalog.Row{{Name: "1", Seats: 10}, {Name: "2", Seats: 10}}
			if name == "112" {
				rows = nil
				for r := 1; r <= 30; r++ {
					rows = append(rows, catalog.Row{Name: strconv.Itoa(r), Seats: 18 + r/2})
				}
			}
			secs = append(secs, catalog.SectionInput{Name: name, Rows: rows, X: &x, Y: &y})
			prices = append(prices, catalog.Price{Section: name, PriceCents: price + int64(i%5)*500})
		}
	}
	ring(101, 48, 190, 125, 15000)
	ring(301, 40, 370, 280, 3500)
	lat, lon := 40.81, -74.07
	v, err := s.App.Catalog.CreateVenue(t.Context(), s.Admin, catalog.VenueInput{Name: "Phone Test Bowl", City: "East Rutherford",
		Lat: &lat, Lon: &lon, Timezone: "America/New_York", Sections: secs})
	if err != nil {
		t.Fatal(err)
	}
	now := s.App.Clock.Now()
	starts, onsale, max := now.Add(96*time.Hour), now.Add(-time.Hour), 8
	e, err := s.App.Catalog.CreateEvent(t.Context(), s.Admin, catalog.EventInput{VenueID: v.ID, Name: "Bowl Game", Category: "sports",
		StartsAt: &starts, OnsaleAt: &onsale, MaxTicketsPerUser: &max, Prices: prices})
	if err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// thumb emulates a 390 px phone with a touch screen (a coarse pointer).
func (tb *tab) thumb() {
	tb.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
}

// TestBrowserPhoneMap uses the event page of a stadium-like bowl at 390 px
// with a touch screen: the listing comes first and the map is one tap
// away; the map opens zoomed until the lower bowl's narrow sections are
// big enough for a thumb with labels that can be read; the hint speaks of
// taps, not arrow keys; a section's seat grid shows all 30 of its rows and
// every seat's number; and choosing the section filters the listing to it,
// until the buyer goes back to the whole map.
func TestBrowserPhoneMap(t *testing.T) {
	s := sharedSite(t)
	event := s.bowlEvent(t)
	tb := newBrowser(t, "phone").tab(s.URL)
	tb.thumb()
	tb.open("/events/" + event)
	tb.waitFor(`document.querySelector('[data-event-id]').dataset.live === 'on'`, patience)
	if !eval[bool](tb, `matchMedia('(pointer: coarse)').matches && document.querySelector('[data-event-id]').dataset.touch === 'true'`) {
		t.Fatal("the emulated phone has no coarse pointer")
	}

	// Listing first: its heading and first offer on the first screen, the
	// map behind the switch, no sideways scrolling of the page.
	if top := eval[float64](tb, `document.querySelector('#listing .offer').getBoundingClientRect().bottom`); top > 844 {
		t.Errorf("the first offer ends %.0f px down, below the first screen", top)
	}
	if eval[bool](tb, `getComputedStyle(document.querySelector('.map-pane')).display !== 'none'`) {
		t.Error("the map shows beside the listing on a phone")
	}
	pageFits := `document.documentElement.scrollWidth <= window.innerWidth`
	if !eval[bool](tb, pageFits) {
		t.Errorf("the page is %d px wide at 390", eval[int](tb, `document.documentElement.scrollWidth`))
	}
	tb.shotView("phone-01-listing")

	// The map, zoomed for a thumb.
	tb.do(chromedpClick(`#view-switch [data-view=map]`))
	tb.waitFor(`Number(document.querySelector('[data-event-id]').dataset.zoom) > 1`, patience)
	if hint := eval[string](tb, `document.getElementById('map-hint').innerText`); strings.Contains(hint, "arrow") || !strings.Contains(hint, "Tap") {
		t.Errorf("map hint on a phone: %q", hint)
	}
	lower := eval[[]float64](tb, `(() => {
	  const els = [...document.querySelectorAll('#seatmap .sec')].filter(e => e.dataset.section[0] === '1');
	  const w = els.map(e => e.querySelector('rect').getBoundingClientRect());
	  const f = els.map(e => e.querySelector('text').getBoundingClientRect().height);
	  return [Math.min(...w.map(r => Math.min(r.width, r.height))), Math.min(...f)];
	})()`)
	if lower[0] < 30 || lower[1] < 11 {
		t.Errorf("lower bowl on the phone: sections %.1f px across, labels %.1f px high; want 30 and 11", lower[0], lower[1])
	}
	if !eval[bool](tb, pageFits) {
		t.Error("the zoomed map widens the page")
	}
	tb.shotView("phone-02-map")
	tb.do(chromedpClick(`#zoom-all`))
	tb.waitFor(`document.querySelector('[data-event-id]').dataset.zoom === '1.00'`, patience)
	tb.shotView("phone-03-map-whole")
	// A tap on a section too small to hit surely zooms in there, not opens it.
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#seatmap .sec[data-section="125"]').scrollIntoView({block: 'center'})`))
	tb.do(chromedpClick(`#seatmap .sec[data-section="125"]`))
	tb.waitFor(`Number(document.querySelector('[data-event-id]').dataset.zoom) > 1`, patience)
	if eval[bool](tb, `!document.getElementById('section-panel').hidden`) {
		t.Error("a tap on a tiny section opened it")
	}
	if w := eval[float64](tb, `document.querySelector('#seatmap .sec[data-section="125"] rect').getBoundingClientRect().width`); w < 30 {
		t.Errorf("after the tap section 125 is %.0f px wide", w)
	}

	// Section 112: every row and seat number, the listing filtered to it.
	// 112, beside the field, is narrower than 125: it may take a second tap.
	for range 3 {
		if eval[bool](tb, `!document.getElementById('section-panel').hidden`) {
			break
		}
		tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#seatmap .sec[data-section="112"]').scrollIntoView({block: 'center', inline: 'center'})`))
		tb.do(chromedpClick(`#seatmap .sec[data-section="112"]`))
	}
	tb.waitFor(`document.querySelectorAll('#sp-seats circle.seat').length > 500`, patience)
	grid := eval[map[string]float64](tb, `(() => {
	  const box = document.getElementById('sp-seats'), b = box.getBoundingClientRect();
	  const labels = [...box.querySelectorAll('.sp-rows span')];
	  const first = labels[0].getBoundingClientRect(), last = labels.at(-1).getBoundingClientRect();
	  const seat = box.querySelector('circle.seat').getBoundingClientRect();
	  return {rows: labels.length, lastRowBottom: last.bottom, boxBottom: b.bottom, cut: box.scrollHeight - box.clientHeight,
	    seats: box.querySelectorAll('circle.seat').length, numbers: box.querySelectorAll('.seatno').length, seat: seat.width,
	    namesShown: Number(box.scrollLeft > 0 && first.left >= b.left && first.width > 0),
	    numbered: Number([...box.querySelectorAll('.seatno')].every(n => n.textContent !== ''))};
	})()`)
	if grid["namesShown"] != 1 {
		t.Error("with the grid scrolled to the middle of the rows, their names are not in view")
	}
	if grid["rows"] != 30 || grid["lastRowBottom"] > grid["boxBottom"] || grid["cut"] > 0 {
		t.Errorf("section 112 shows %v rows, the last ending at %.0f in a box ending at %.0f (%v px cut off)", grid["rows"], grid["lastRowBottom"], grid["boxBottom"], grid["cut"])
	}
	if grid["numbers"] != grid["seats"] || grid["numbered"] != 1 || grid["seat"] < 24 {
		t.Errorf("%v seats, %v numbers, seats %.0f px across", grid["seats"], grid["numbers"], grid["seat"])
	}
	if !eval[bool](tb, pageFits) {
		t.Error("the seat grid widens the page")
	}
	if hint := eval[string](tb, `document.getElementById('sp-hint').innerText`); strings.Contains(hint, "arrow") || !strings.Contains(hint, "Tap") {
		t.Errorf("seat hint on a phone: %q", hint)
	}
	tb.waitFor(`document.querySelector('[data-event-id]').dataset.listingSection === '112'`, patience)
	filtered := `(() => { const o = [...document.querySelectorAll('#listing .offer')]; return o.length > 0 && o.every(e => e.dataset.section === '112'); })()`
	if !eval[bool](tb, filtered) || !strings.Contains(tb.path(), "section=112") {
		t.Errorf("after choosing 112 the listing has %s; the page is %s", eval[string](tb, `[...document.querySelectorAll('#listing .offer')].map(e => e.dataset.section).join(' ')`), tb.path())
	}
	tb.shotView("phone-04-section")
	tb.shot("phone-05-section-full")
	tb.do(chromedpClick(`#sp-to-list`))
	tb.waitFor(`getComputedStyle(document.querySelector('.listing-pane')).display !== 'none'`, patience)
	if chip := eval[string](tb, `document.getElementById('section-chip').innerText`); !strings.Contains(chip, "112") {
		t.Errorf("section chip reads %q", chip)
	}
	tb.shotView("phone-06-section-listing")

	// Back to every section.
	tb.do(chromedpClick(`#section-clear`))
	tb.waitFor(`document.querySelector('[data-event-id]').dataset.listingSection === ''`, patience)
	if n := eval[int](tb, `new Set([...document.querySelectorAll('#listing .offer')].map(e => e.dataset.section)).size`); n < 20 {
		t.Errorf("after clearing the section the listing spans %d sections", n)
	}
	if eval[bool](tb, `!document.getElementById('section-panel').hidden`) || strings.Contains(tb.path(), "section=") {
		t.Errorf("the section stays open after clearing it (%s)", tb.path())
	}
}
