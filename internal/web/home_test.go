package web_test

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/catalog"
)

var (
	cardLink = regexp.MustCompile(`<li class="event-card">\s*<a href="/events/([a-z0-9_]+)"`)
	nextLink = regexp.MustCompile(`<a class="button" rel="next" href="([^"]+)"`)
	prevLink = regexp.MustCompile(`<a class="button" rel="prev" href="([^"]+)"`)
)

// TestHomeListPaging pages a category of 45 events twenty at a time over
// HTTP: every event once, in the catalog's order, Previous returns the
// page before, the page says which page it is, and a mangled cursor says
// so and shows the first page. Without a query the same events are one
// band of title cards.
func TestHomeListPaging(t *testing.T) {
	t.Parallel()
	s := startSite(t, siteOptions{})
	ctx := t.Context()
	lat, lon := 40.75, -73.99
	v, err := s.App.Catalog.CreateVenue(ctx, s.Admin, catalog.VenueInput{Name: "Puppet Theatre", City: "New York", Region: "NY", Lat: &lat, Lon: &lon,
		Timezone: "America/New_York", Sections: []catalog.SectionInput{{Name: "Stalls", Rows: []catalog.Row{{Name: "A", Seats: 10}}}}})
	if err != nil {
		t.Fatal(err)
	}
	now := s.App.Clock.Now()
	var want []string
	for i := range 45 {
		// Three titles; two shows share each start time, so the order
		// within a time is the cursor's tie-break.
		starts, onsale, price := now.Add(time.Duration(24+i/2)*time.Hour), now.Add(-time.Hour), int64(1500)
		e, err := s.App.Catalog.CreateEvent(ctx, s.Admin, catalog.EventInput{VenueID: v.ID, Name: []string{"Puppets", "Magic Hour", "Clowns"}[i%3],
			Category: "family", StartsAt: &starts, OnsaleAt: &onsale, DefaultPriceCents: &price})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, e.ID)
	}
	listed, _, err := s.App.Catalog.Events(ctx, catalog.EventSearch{Category: "family", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	want = want[:0]
	for _, e := range listed {
		want = append(want, e.ID)
	}
	c := client(t)
	ids := func(page string) []string {
		var out []string
		for _, m := range cardLink.FindAllStringSubmatch(page, -1) {
			out = append(out, m[1])
		}
		return out
	}
	link := func(re *regexp.Regexp, page string) string {
		if m := re.FindStringSubmatch(page); m != nil {
			return s.URL + html.UnescapeString(m[1])
		}
		return ""
	}
	var pages [][]string
	var bodies []string
	u := s.URL + "/?category=family"
	for u != "" && len(pages) < 5 {
		_, page := get(t, c, u)
		if want := fmt.Sprintf("Page %d · ", len(pages)+1); !strings.Contains(page, want) {
			t.Errorf("page %d does not say %q", len(pages)+1, want)
		}
		pages, bodies = append(pages, ids(page)), append(bodies, page)
		u = link(nextLink, page)
	}
	var all []string
	for _, p := range pages {
		all = append(all, p...)
	}
	if len(pages) != 3 || len(pages[0]) != 20 || len(pages[1]) != 20 || len(pages[2]) != 5 || fmt.Sprint(all) != fmt.Sprint(want) {
		t.Fatalf("pages of %d, %d… events; listed in order: %v", len(pages[0]), len(pages[len(pages)-1]), fmt.Sprint(all) == fmt.Sprint(want))
	}
	if !strings.Contains(bodies[2], "the last page") || strings.Contains(bodies[0], `rel="prev"`) {
		t.Error("the last page does not say so, or the first has a Previous link")
	}
	for i := 2; i >= 1; i-- {
		_, page := get(t, c, link(prevLink, bodies[i]))
		if fmt.Sprint(ids(page)) != fmt.Sprint(pages[i-1]) {
			t.Errorf("Previous from page %d is not page %d", i+1, i)
		}
	}

	_, page := get(t, c, s.URL+"/?category=family&cursor=not-a-cursor&back=x.y")
	if !strings.Contains(page, `role="alert"`) || !strings.Contains(page, "no longer valid") || fmt.Sprint(ids(page)) != fmt.Sprint(pages[0]) {
		t.Errorf("a mangled cursor: no message, or not the first page")
	}

	_, page = get(t, c, s.URL+"/")
	band := page[strings.Index(page, `id="band-family"`):]
	band = band[:strings.Index(band, "</section>")]
	for _, title := range []string{"Puppets", "Magic Hour", "Clowns"} {
		if n := strings.Count(band, `data-title="`+title+`"`); n != 1 {
			t.Errorf("%s has %d cards in the family band", title, n)
		}
	}
	if !strings.Contains(band, "15 dates · next ") || !strings.Contains(band, `href="/?category=family"`) {
		t.Errorf("family band:\n%s", band)
	}
	if i, j := strings.Index(page, `id="band-sports"`), strings.Index(page, `id="band-movie"`); i < 0 || j < 0 || i > j || !strings.Contains(page[i:j], eventJets) {
		t.Error("the home page does not lead with Sports and the Jets")
	}
}
