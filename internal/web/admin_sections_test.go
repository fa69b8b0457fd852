package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestAdminEventOnOneScreen: the new-event form offers every section of
// the cinema ticked; an organizer who leaves only Screen 2 ticked makes a
// showtime selling Screen 2's 18 seats (a price typed for an unticked
// screen is ignored); unticking every section is refused with a message
// and makes nothing.
func TestAdminEventOnOneScreen(t *testing.T) {
	t.Parallel()
	s := startSite(t, siteOptions{})
	c := client(t)
	_, page := get(t, c, s.URL+"/login")
	res, _ := post(t, c, s.URL+"/login", url.Values{"csrf": {csrfOf(t, page)}, "email": {adminLogin.Email}, "password": {adminLogin.Password}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", res.StatusCode)
	}
	cinema := s.event(t, "cinema")
	_, page = get(t, c, s.URL+"/admin/events/new?venue="+cinema)
	for _, box := range []string{`id="on_0" name="on_0" value="yes" checked`, `id="on_1" name="on_1" value="yes" checked`} {
		if !strings.Contains(page, box) {
			t.Fatalf("the form has no ticked box %s", box)
		}
	}
	before, err := s.App.Catalog.VenueEvents(t.Context(), cinema, 500)
	if err != nil {
		t.Fatal(err)
	}
	form := func(boxes ...string) url.Values {
		f := url.Values{"csrf": {csrfOf(t, page)}, "venue": {cinema}, "name": {"Orbit of Ash"}, "category": {"movie"},
			"starts_at": {"2030-01-05T19:30"}, "onsale_at": {"2029-12-01T10:00"}, "max_per_user": {"10"}, "currency": {"USD"},
			"service_fee": {"1.50"}, "order_fee": {"0"}, "admit_per_minute": {"600"}, "queue_mode": {"fixed"}, "queue_pow": {"0"},
			"sections_form": {"1"}, "price_0": {"99"}, "price_1": {"18.50"}}
		for _, b := range boxes {
			f.Set(b, "yes")
		}
		return f
	}

	res, page = post(t, c, s.URL+"/admin/events", form())
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "tick at least one section") {
		t.Errorf("no section ticked: %d, message shown %v", res.StatusCode, strings.Contains(page, "tick at least one section"))
	}
	if !strings.Contains(page, `id="on_0" name="on_0" value="yes" >`) {
		t.Error("the refused form does not keep the boxes as they were posted (unticked)")
	}
	if after, _ := s.App.Catalog.VenueEvents(t.Context(), cinema, 500); len(after) != len(before) {
		t.Errorf("the refused form made an event: %d events, had %d", len(after), len(before))
	}

	res, _ = post(t, c, s.URL+"/admin/events", form("on_1"))
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(loc, "/sales?notice=event") {
		t.Fatalf("create on Screen 2: %d to %q", res.StatusCode, loc)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/admin/events/"), "/sales?notice=event")
	e, err := s.App.Catalog.Event(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.Sections, []string{"Screen 2"}) || *e.Available != 18 || len(e.Prices) != 1 || e.Prices[0].PriceCents != 1850 {
		t.Errorf("showtime on %v with %d places, prices %v; want Screen 2's 18 at 18.50", e.Sections, *e.Available, e.Prices)
	}
	_, page = get(t, c, s.URL+loc)
	if !strings.Contains(page, `data-stat="capacity">18<`) {
		t.Error("the sales page does not give the screen's capacity, 18")
	}

	// Its edit page says what it sells; saving it keeps that.
	_, page = get(t, c, s.URL+"/admin/events/"+id)
	if !strings.Contains(page, `<p id="e-part">On sale at this event: <strong>Screen 2</strong> only`) {
		t.Error("the edit page does not say that only Screen 2 is on sale")
	}
	res, _ = post(t, c, s.URL+"/admin/events/"+id, url.Values{"csrf": {csrfOf(t, page)}, "name": {"Orbit of Ash (late)"}, "category": {"movie"},
		"starts_at": {"2030-01-05T22:00"}, "onsale_at": {"2029-12-01T10:00"}, "max_per_user": {"10"}, "service_fee": {"1.50"},
		"order_fee": {"0"}, "admit_per_minute": {"600"}, "queue_mode": {"fixed"}, "queue_pow": {"0"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving the showtime: %d", res.StatusCode)
	}
	if e, err = s.App.Catalog.Event(t.Context(), id); err != nil || e.Name != "Orbit of Ash (late)" || !slices.Equal(e.Sections, []string{"Screen 2"}) {
		t.Errorf("after saving: %q on %v (%v)", e.Name, e.Sections, err)
	}

	// Both ticked: the whole venue, as before the boxes.
	res, _ = post(t, c, s.URL+"/admin/events", form("on_0", "on_1"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create on both screens: %d", res.StatusCode)
	}
	id = strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/admin/events/"), "/sales?notice=event")
	if e, err = s.App.Catalog.Event(t.Context(), id); err != nil || len(e.Sections) != 2 || *e.Available != 34 {
		t.Errorf("showtime on both screens: %v, %v", e.Sections, err)
	}
}
