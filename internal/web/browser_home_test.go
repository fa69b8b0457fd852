package web_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/internal/catalog"
)

// TestBrowserHome walks the home page of the product's demo at desktop and
// phone widths: it opens on the Jets game leading Sports, films appear once
// per title, "More movies" lists every showtime a page at a time (Next and
// Previous, no duplicates or gaps), and "Near a city" knows towns without
// venues, says when none is near, and offers the other places of an
// ambiguous name; it suggests cities as one types.
func TestBrowserHome(t *testing.T) {
	s := startSite(t, siteOptions{catalog: demoCatalog})
	for _, size := range []string{"desktop", "phone"} {
		t.Run(size, func(t *testing.T) {
			tb := newBrowser(t, size).tab(s.URL)
			if size == "phone" {
				tb.phone()
			}
			fits := func(step string) {
				t.Helper()
				if w := eval[int](tb, `document.documentElement.scrollWidth`); size == "phone" && w > 390 {
					t.Errorf("%s: the page is %d px wide on a 390 px phone", step, w)
				}
			}

			tb.open("/")
			t.Logf("home page: first byte after %.0f ms", eval[float64](tb, `(e => e.responseStart - e.requestStart)(performance.getEntriesByType('navigation')[0])`))
			tb.shotView("01-home")
			tb.shot("01-home-full")
			fits("home")
			bands := eval[[]string](tb, `[...document.querySelectorAll('.band h2')].map(h => h.innerText)`)
			if len(bands) < 3 || bands[0] != "Sports" || bands[1] != "Concerts" || bands[len(bands)-1] != "Movies" {
				t.Errorf("bands %q, want Sports, Concerts, … Movies", bands)
			}
			if first := eval[string](tb, `document.querySelector('.event-card .name').innerText`); !strings.Contains(first, "Jets") {
				t.Errorf("the home page opens on %q, want the Jets game", first)
			}
			films := eval[[]string](tb, `[...document.querySelectorAll('#band-movie .event-card')].map(c => c.dataset.title)`)
			seen := map[string]bool{}
			for _, f := range films {
				if seen[f] {
					t.Errorf("film %q has two cards: %q", f, films)
				}
				seen[f] = true
			}
			card := eval[string](tb, `document.querySelector('#band-movie .title-card').innerText`)
			if !regexp.MustCompile(`\d+ showtimes · next (today|tomorrow|\w{3}, \w{3} \d+ ·) \d+:\d\d [AP]M`).MatchString(card) {
				t.Errorf("film card says %q, want “N showtimes · next …”", card)
			}
			if len(films) == 0 || !strings.HasPrefix(eval[string](tb, `document.querySelector('#band-movie .title-card a').getAttribute('href')`), "/?") {
				t.Errorf("film cards %q: a title's card should link to its showtimes", films)
			}

			// More movies: a full list, twenty a page.
			tb.clickAndWait(`#band-movie a.more`)
			if p := tb.path(); p != "/?category=movie" {
				t.Errorf("More movies went to %s", p)
			}
			ids := func() []string {
				return eval[[]string](tb, `[...document.querySelectorAll('ul.events .event-card a')].map(a => a.getAttribute('href'))`)
			}
			info := func() string { return eval[string](tb, `document.getElementById('page-info').innerText`) }
			page1 := ids()
			if !strings.HasPrefix(info(), "Page 1 · 20 events") || len(page1) != 20 {
				t.Errorf("page 1 says %q with %d events", info(), len(page1))
			}
			tb.shot("02-movies-page1")
			fits("movies")
			tb.clickAndWait(`.pager a[rel=next]`)
			page2 := ids()
			if !strings.HasPrefix(info(), "Page 2 · ") || len(page2) == 0 {
				t.Errorf("page 2 says %q with %d events", info(), len(page2))
			}
			tb.shot("03-movies-page2")
			tb.clickAndWait(`.pager a[rel=next]`)
			page3 := ids()
			if !strings.HasPrefix(info(), "Page 3 · ") {
				t.Errorf("page 3 says %q", info())
			}
			want, _, err := s.App.Catalog.Events(t.Context(), catalog.EventSearch{Category: "movie", Limit: 60})
			if err != nil {
				t.Fatal(err)
			}
			var got, wantIDs []string
			got = append(append(append(got, page1...), page2...), page3...)
			for _, e := range want {
				wantIDs = append(wantIDs, "/events/"+e.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(wantIDs[:len(got)]) || len(got) != 60 {
				t.Errorf("three pages list %d showtimes that are not the catalog's first 60 in order", len(got))
			}
			tb.clickAndWait(`.pager a[rel=prev]`)
			if back := ids(); fmt.Sprint(back) != fmt.Sprint(page2) || !strings.HasPrefix(info(), "Page 2 · ") {
				t.Errorf("Previous from page 3 shows %q, not page 2", info())
			}
			tb.clickAndWait(`.pager a[rel=prev]`)
			if back := ids(); fmt.Sprint(back) != fmt.Sprint(page1) || eval[int](tb, `document.querySelectorAll('.pager a[rel=prev]').length`) != 0 {
				t.Errorf("Previous from page 2 shows %q, not page 1 (without a Previous link)", info())
			}

			near := func(city string) string {
				t.Helper()
				tb.open("/")
				tb.fill("#city", city)
				tb.clickAndWait("#near-form button[type=submit]")
				return eval[string](tb, `document.querySelector('main').innerText`)
			}
			venues := func() []string {
				return eval[[]string](tb, `[...document.querySelectorAll('.venue-card h3')].map(h => h.innerText)`)
			}
			// Suggestions as one types come from the gazetteer.
			tb.open("/")
			tb.fill("#city", "hobo")
			tb.waitFor(`[...document.querySelectorAll('#city-places option')].some(o => o.value === 'Hoboken, NJ')`, patience)
			tb.fill("#city", "sao pa")
			tb.waitFor(`[...document.querySelectorAll('#city-places option')].some(o => o.value === 'São Paulo, Brazil')`, patience)

			for _, city := range []string{"Hoboken", "Newark, NJ"} {
				page := near(city)
				vs := strings.Join(venues(), " | ")
				if !strings.Contains(page, "Venues near "+strings.Split(city, ",")[0]) || !strings.Contains(vs, "MetLife Stadium") || !strings.Contains(vs, "Barclays Center") {
					t.Errorf("near %s: venues %s", city, vs)
				}
			}
			if credit := eval[string](tb, `(document.querySelector('.credit') || {}).innerText || ''`); !strings.Contains(credit, "GeoNames") {
				t.Errorf("near Newark, NJ does not credit GeoNames: %q", credit)
			}
			tb.shot("04-near-newark")
			fits("near Hoboken")
			// Pasadena, TX has more people, but the Californian one has venues near.
			for _, c := range []struct{ city, label, venues string }{
				{"Pasadena", "Pasadena, CA", "Los Angeles"}, {"Evanston", "Evanston, IL", "Chicago"}} {
				near(c.city)
				where := eval[[]string](tb, `[...document.querySelectorAll('.venue-card .where')].map(p => p.innerText)`)
				if len(where) == 0 || !strings.Contains(where[0], c.venues) {
					t.Errorf("near %s: venues in %q, want %s's", c.city, where, c.venues)
				}
				if h := eval[string](tb, `document.getElementById('near-h').innerText`); h != "Venues near "+c.label {
					t.Errorf("near %s heads %q", c.city, h)
				}
			}

			page := near("Boise")
			none := eval[string](tb, `(document.getElementById('no-venues') || {}).innerText || ''`)
			if !strings.Contains(none, "No venues within 80 km of Boise, ID.") || !regexp.MustCompile(`The nearest is .+ in .+, [\d,]+ km away\.`).MatchString(none) {
				t.Errorf("near Boise: %q\n%s", none, page)
			}
			if credit := eval[string](tb, `(document.querySelector('.credit') || {}).innerText || ''`); !strings.Contains(credit, "GeoNames") {
				t.Errorf("a gazetteer answer does not credit GeoNames: %q", credit)
			}
			tb.shot("05-near-boise")
			fits("near Boise")

			near("springfield")
			dym := eval[string](tb, `(document.getElementById('did-you-mean') || {}).innerText || ''`)
			for _, want := range []string{"Did you mean", "Springfield, MA", "Springfield, IL"} {
				if !strings.Contains(dym, want) {
					t.Errorf("springfield: %q lacks %q", dym, want)
				}
			}
			tb.shot("06-springfield")
			tb.clickAndWait(`#did-you-mean a[href*="IL"]`)
			if h := eval[string](tb, `document.getElementById('near-h').innerText`); h != "Venues near Springfield, IL" {
				t.Errorf("choosing Springfield, IL heads %q", h)
			}

			if page := near("sao paulo"); !strings.Contains(page, "No venues within 80 km of São Paulo, Brazil") {
				t.Errorf("sao paulo: %s", page)
			}
			near("Atlantis")
			if msg := eval[string](tb, `(document.querySelector('[role=alert]') || {}).innerText || ''`); !strings.Contains(msg, "Atlantis") {
				t.Errorf("an unknown city says %q", msg)
			}
		})
	}
}
