package httpapi_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/booking"
)

// TestEventOnOneScreen creates a showtime on one screen of a three-screen
// cinema through POST /events with sections: it sells that screen alone
// (event, seat map in both forms, offers, holds, sales), and bad sections
// are 422s that store nothing.
func TestEventOnOneScreen(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var v struct{ Venue struct{ ID string } }
	row := func(name string, n int) map[string]any { return map[string]any{"name": name, "seats": n} }
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/venues", Token: h.admin, Body: map[string]any{
		"name": "Test Cinema 3", "lat": 40.77, "lon": -73.98, "timezone": "America/New_York",
		"sections": []any{
			map[string]any{"name": "Screen 1", "rows": []any{row("A", 6), row("B", 6)}},
			map[string]any{"name": "Screen 2", "rows": []any{row("A", 4), row("B", 5)}},
			map[string]any{"name": "Screen 3", "rows": []any{row("A", 3)}},
		}}}).JSON(t, &v)
	now := h.clock.Now()
	body := func(extra map[string]any) map[string]any {
		b := map[string]any{"venue_id": v.Venue.ID, "name": "Film", "category": "movie", "starts_at": now.Add(48 * time.Hour),
			"onsale_at": now.Add(-time.Hour), "default_price_cents": 1450, "service_fee_cents": 150}
		for k, x := range extra {
			b[k] = x
		}
		return b
	}
	venueEvents := func() int {
		var l struct{ Events []any }
		h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/venues/" + v.Venue.ID + "/events"}).JSON(t, &l)
		return len(l.Events)
	}

	type event struct {
		ID       string
		Sections []string
		Prices   []struct {
			Section    string
			PriceCents int64 `json:"price_cents"`
		}
		Available *int
	}
	var created struct{ Event event }
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events", Token: h.admin,
		Body: body(map[string]any{"sections": []string{"Screen 2"}})}).JSON(t, &created)
	e := created.Event
	if !slices.Equal(e.Sections, []string{"Screen 2"}) || len(e.Prices) != 1 || e.Prices[0].Section != "Screen 2" ||
		e.Prices[0].PriceCents != 1450 || e.Available == nil || *e.Available != 9 {
		t.Fatalf("created %+v, want Screen 2 only at 1450 with 9 places", e)
	}
	var got struct{ Event event }
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events/" + e.ID}).JSON(t, &got)
	if !slices.Equal(got.Event.Sections, []string{"Screen 2"}) || *got.Event.Available != 9 {
		t.Errorf("GET: %+v", got.Event)
	}

	var m booking.SeatMap
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events/" + e.ID + "/seats"}).JSON(t, &m)
	if len(m.Sections) != 1 || m.Sections[0].Name != "Screen 2" || m.Sections[0].Capacity != 9 || len(m.Sections[0].Rows) != 2 {
		t.Fatalf("seat map %+v, want Screen 2's 9 seats only", m)
	}
	var compact booking.CompactSeatMap
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events/" + e.ID + "/seats?format=compact"}).JSON(t, &compact)
	if len(compact.Sections) != 1 || compact.Sections[0].Name != "Screen 2" || compact.Sections[0].Capacity != 9 {
		t.Errorf("compact seat map %+v, want Screen 2 only", compact)
	}
	var offers struct{ Offers []booking.Offer }
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events/" + e.ID + "/offers?quantity=2&limit=50"}).JSON(t, &offers)
	if len(offers.Offers) == 0 {
		t.Fatal("no offers of 2")
	}
	for _, o := range offers.Offers {
		if o.Section != "Screen 2" {
			t.Errorf("offer %+v is not on Screen 2", o)
		}
	}

	buyer := h.buyer(t)
	var hold struct {
		Hold struct{ Seats []struct{ Section string } }
	}
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + e.ID + "/holds", Token: buyer,
		Body: map[string]any{"best_available": true, "quantity": 2}}).JSON(t, &hold)
	if len(hold.Hold.Seats) != 2 || hold.Hold.Seats[0].Section != "Screen 2" {
		t.Errorf("best available hold %+v, want 2 seats on Screen 2", hold.Hold)
	}
	r := h.c.Must(t, 422, apitest.Req{Method: "POST", Path: "/api/v1/events/" + e.ID + "/holds", Token: buyer,
		Body: map[string]any{"best_available": true, "section": "Screen 1", "quantity": 1}})
	if !strings.Contains(string(r.Body), `"field":"section"`) || !strings.Contains(string(r.Body), "no section") {
		t.Errorf("hold on another screen: %s", r.Body)
	}
	if c := h.sales(t, e.ID); c.Capacity != 9 || c.Held != 2 || c.Available != 7 {
		t.Errorf("sales %+v, want capacity 9: 2 held, 7 available", c)
	}

	for _, c := range []struct {
		name  string
		extra map[string]any
		field string
	}{
		{"empty sections", map[string]any{"sections": []string{}}, `"field":"sections"`},
		{"unknown section", map[string]any{"sections": []string{"Screen 2", "Screen 9"}}, `"field":"sections[1]"`},
		{"section twice", map[string]any{"sections": []string{"Screen 2", "Screen 2"}}, `"field":"sections[1]"`},
		{"price for a screen not on sale", map[string]any{"sections": []string{"Screen 2"},
			"prices": []any{map[string]any{"section": "Screen 3", "price_cents": 900}}}, `"field":"prices[0].section"`},
		{"not a list", map[string]any{"sections": "Screen 2"}, ""},
	} {
		want := 422
		if c.field == "" {
			want = 400
		}
		r := h.c.Must(t, want, apitest.Req{Method: "POST", Path: "/api/v1/events", Token: h.admin, Body: body(c.extra)})
		if !strings.Contains(string(r.Body), c.field) {
			t.Errorf("%s: %s, want %s", c.name, r.Body, c.field)
		}
	}
	if n := venueEvents(); n != 1 {
		t.Errorf("the venue has %d events after the refused ones, want 1", n)
	}
	// Without sections, every screen is on sale as before.
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events", Token: h.admin, Body: body(nil)}).JSON(t, &created)
	if !slices.Equal(created.Event.Sections, []string{"Screen 1", "Screen 2", "Screen 3"}) || *created.Event.Available != 24 {
		t.Errorf("event on the whole venue: %+v", created.Event)
	}
}
