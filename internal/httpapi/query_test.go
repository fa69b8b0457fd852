package httpapi_test

import (
	"encoding/json"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/internal/apitest"
)

// TestQueryParameters checks every route that the OpenAPI document says
// takes query parameters, as an admin: each documented parameter is
// accepted (given empty, which means its default), and any other is 422
// validation_failed naming it, alone or beside documented ones. So the
// document and the routes agree both ways.
func TestQueryParameters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ev := h.event(t, 2, 6, 10)
	var e struct {
		Event struct {
			VenueID string `json:"venue_id"`
		}
	}
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events/" + ev}).JSON(t, &e)

	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	type param struct {
		Ref  string `json:"$ref"`
		Name string
		In   string
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage
		Components struct{ Parameters map[string]param }
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for path, ops := range doc.Paths {
		var op struct{ Parameters []param }
		if ops["get"] == nil || json.Unmarshal(ops["get"], &op) != nil {
			continue
		}
		var names []string
		for _, p := range op.Parameters {
			if p.Ref != "" {
				p = doc.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
			}
			if p.In == "query" {
				names = append(names, p.Name)
			}
		}
		if len(names) == 0 {
			continue
		}
		id := ev
		if strings.HasPrefix(path, "/venues/") {
			id = e.Event.VenueID
		}
		base := "/api/v1" + strings.ReplaceAll(path, "{id}", id)
		documented := url.Values{}
		for _, n := range names {
			documented.Set(n, "")
		}
		t.Run(path, func(t *testing.T) {
			r := h.c.Do(t, apitest.Req{Method: "GET", Path: base + "?" + documented.Encode(), Token: h.admin})
			if r.Status != 200 {
				t.Errorf("GET %s?%s: %d %s", base, documented.Encode(), r.Status, r.Body)
			}
			for _, q := range []string{"maxprice=3000", names[0] + "=&max-price=3000"} {
				r := h.c.Must(t, 422, apitest.Req{Method: "GET", Path: base + "?" + q, Token: h.admin})
				var p struct {
					Code   string
					Errors []struct{ Field, Message string }
				}
				r.JSON(t, &p)
				bad := strings.TrimSuffix(strings.SplitN(q, "&", 2)[len(strings.SplitN(q, "&", 2))-1], "=3000")
				if p.Code != "validation_failed" || len(p.Errors) != 1 || p.Errors[0].Field != bad || !strings.Contains(p.Errors[0].Message, names[0]) {
					t.Errorf("GET %s?%s: %s", base, q, r.Body)
				}
			}
		})
		checked++
	}
	if checked < 8 {
		t.Fatalf("%d routes with query parameters in the document", checked)
	}
	// A caller without a token is told that first.
	h.c.Must(t, 401, apitest.Req{Method: "GET", Path: "/api/v1/me/orders?bogus=1"})
}

// TestOffersExactBlocks checks the offers over HTTP: blocks of exactly the
// quantity, within the run of free seats they name, one row's best first;
// min_price_cents filters and may not exceed max_price_cents.
func TestOffersExactBlocks(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ev := h.event(t, 3, 10, 10)
	path := "/api/v1/events/" + ev + "/offers"
	type offer struct {
		Section    string
		Row        *string
		SeatFrom   *int `json:"seat_from"`
		SeatTo     *int `json:"seat_to"`
		RunFrom    *int `json:"run_from"`
		RunTo      *int `json:"run_to"`
		Available  int
		SeatIDs    []string `json:"seat_ids"`
		PriceCents int64    `json:"price_cents"`
	}
	var out struct{ Offers []offer }
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: path + "?quantity=3&sort=best&limit=4&section=A"}).JSON(t, &out)
	if len(out.Offers) != 4 {
		t.Fatalf("%d offers, want 4", len(out.Offers))
	}
	var rows []string
	for _, o := range out.Offers {
		if o.Row == nil {
			t.Fatalf("a GA offer in section A: %+v", o)
		}
		if *o.SeatTo-*o.SeatFrom != 2 || o.Available != 3 || len(o.SeatIDs) != 3 || *o.RunFrom != 1 || *o.RunTo != 10 {
			t.Errorf("offer %+v", o)
		}
		rows = append(rows, *o.Row)
	}
	// The 3 rows' middle blocks (seats 4-6) and row 1's next best (7-9).
	if !slices.Equal(rows, []string{"1", "1", "2", "3"}) || *out.Offers[0].SeatFrom != 4 || *out.Offers[1].SeatFrom != 7 || *out.Offers[2].SeatFrom != 4 {
		t.Errorf("rows %v, first block %d-%d", rows, *out.Offers[0].SeatFrom, *out.Offers[0].SeatTo)
	}
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: path + "?quantity=2&min_price_cents=2600"}).JSON(t, &out)
	if len(out.Offers) != 0 {
		t.Errorf("%d offers at $26 or more; every seat costs $25", len(out.Offers))
	}
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: path + "?quantity=2&min_price_cents=2500&max_price_cents=2500"}).JSON(t, &out)
	if len(out.Offers) == 0 {
		t.Error("no offers at exactly $25")
	}
	r := h.c.Must(t, 422, apitest.Req{Method: "GET", Path: path + "?quantity=2&min_price_cents=3000&max_price_cents=2000"})
	if !strings.Contains(string(r.Body), `"min_price_cents"`) {
		t.Errorf("min above max: %s", r.Body)
	}
}
