package httpapi_test

import (
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/internal/apitest"
)

// TestPlaces: GET /places suggests cities from the embedded gazetteer by
// the start of their name, most populous first, without an account; bad
// queries get a validation problem naming the parameter.
func TestPlaces(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	type place struct {
		Name, Label, Region, Country string
		RegionName                   string `json:"region_name"`
		CountryName                  string `json:"country_name"`
		Lat, Lon                     float64
		Population                   int
	}
	var got struct{ Places []place }
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/places?q=hobo"}).JSON(t, &got)
	if len(got.Places) == 0 || got.Places[0].Label != "Hoboken, NJ" || got.Places[0].RegionName != "New Jersey" ||
		got.Places[0].CountryName != "United States" || got.Places[0].Lat < 40 || got.Places[0].Lat > 41 {
		t.Errorf("hobo: %+v", got.Places)
	}
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/places?q=Springfield,%20IL&limit=3"}).JSON(t, &got)
	if len(got.Places) != 3 || !strings.HasPrefix(got.Places[0].Label, "Springfield, ") {
		t.Errorf("springfield, limit 3: %+v", got.Places)
	}
	for i := 1; i < len(got.Places); i++ {
		if got.Places[i].Population > got.Places[i-1].Population {
			t.Errorf("not most populous first: %+v", got.Places)
		}
	}
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/places?q=s%C3%A3o%20pau"}).JSON(t, &got)
	if len(got.Places) == 0 || got.Places[0].Label != "São Paulo, Brazil" {
		t.Errorf("são pau: %+v", got.Places)
	}
	for _, query := range []string{"?q=qqqq", "", "?q=%20", "?q=,"} {
		h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/places" + query}).JSON(t, &got)
		if len(got.Places) != 0 {
			t.Errorf("places%s: %+v, want none", query, got.Places)
		}
	}
	for _, tc := range []struct{ query, field string }{
		{"?q=" + strings.Repeat("a", 101), "q"},
		{"?q=bo&limit=0", "limit"}, {"?q=bo&limit=21", "limit"}, {"?q=bo&limit=x", "limit"}, {"?q=bo&near=1,2", "near"},
	} {
		r := h.c.Must(t, 422, apitest.Req{Method: "GET", Path: "/api/v1/places" + tc.query})
		if !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
			t.Errorf("places%s: %s, want a problem naming %s", tc.query, r.Body, tc.field)
		}
	}
}
