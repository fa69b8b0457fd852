package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/internal/apitest"
)

// TestBadInput sends malformed, oversized, unknown-field and out-of-range
// requests to every create endpoint: each gets the contract's problem and
// nothing changes.
func TestBadInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ev := h.event(t, 2, 10, 20)
	buyer := h.buyer(t)
	before := h.sales(t, ev)
	big := `{"name":"` + strings.Repeat("x", 1<<20) + `"}`
	venue := `{"name":"V","lat":1,"lon":2,"sections":[{"name":"A","rows":[{"name":"1","seats":10}]}]}`
	cases := []struct {
		name, method, path, token string
		body                      string
		status                    int
		code, field               string
	}{
		{"not json", "POST", "/api/v1/venues", h.admin, `{"name":`, 400, "invalid_json", ""},
		{"empty body", "POST", "/api/v1/venues", h.admin, ``, 400, "invalid_json", ""},
		{"array body", "POST", "/api/v1/venues", h.admin, `[]`, 400, "invalid_json", ""},
		{"two objects", "POST", "/api/v1/venues", h.admin, venue + venue, 400, "invalid_json", ""},
		{"unknown field", "POST", "/api/v1/venues", h.admin, `{"name":"V","colour":"red"}`, 400, "invalid_json", ""},
		{"wrong type", "POST", "/api/v1/venues", h.admin, `{"name":5}`, 400, "invalid_json", ""},
		{"too large", "POST", "/api/v1/venues", h.admin, big, 413, "body_too_large", ""},
		{"no sections", "POST", "/api/v1/venues", h.admin, `{"name":"V","lat":1,"lon":2,"sections":[]}`, 422, "validation_failed", "sections"},
		{"too many seats", "POST", "/api/v1/venues", h.admin, `{"name":"V","lat":1,"lon":2,"sections":[{"name":"A","rows":[{"name":"1","seats":501}]}]}`, 422, "validation_failed", "sections[0].rows[0].seats"},
		{"bad latitude", "POST", "/api/v1/venues", h.admin, `{"name":"V","lat":91,"lon":2,"sections":[{"name":"A","rows":[{"name":"1","seats":1}]}]}`, 422, "validation_failed", "lat"},
		{"duplicate section", "POST", "/api/v1/venues", h.admin, `{"name":"V","lat":1,"lon":2,"sections":[{"name":"A","rows":[{"name":"1","seats":1}]},{"name":"A","general_admission":true,"capacity":5}]}`, 422, "validation_failed", "sections[1].name"},
		{"customer makes venue", "POST", "/api/v1/venues", buyer, venue, 403, "forbidden", ""},
		{"anonymous venue", "POST", "/api/v1/venues", "", venue, 401, "unauthorized", ""},
		{"bad token", "POST", "/api/v1/venues", "bo_nope", venue, 401, "unauthorized", ""},
		{"event for no venue", "POST", "/api/v1/events", h.admin, `{"venue_id":"ven_x","name":"E","category":"sports","starts_at":"2027-01-01T00:00:00Z","onsale_at":"2026-01-01T00:00:00Z","default_price_cents":1}`, 422, "validation_failed", "venue_id"},
		{"event bad time", "POST", "/api/v1/events", h.admin, `{"venue_id":"ven_x","starts_at":"tomorrow"}`, 400, "invalid_json", ""},
		{"hold no mode", "POST", "/api/v1/events/" + ev + "/holds", buyer, `{}`, 422, "validation_failed", "seat_ids"},
		{"hold two modes", "POST", "/api/v1/events/" + ev + "/holds", buyer, `{"seat_ids":["1"],"best_available":true,"quantity":1}`, 422, "validation_failed", "seat_ids"},
		{"hold quantity 0", "POST", "/api/v1/events/" + ev + "/holds", buyer, `{"best_available":true,"quantity":0}`, 422, "validation_failed", "quantity"},
		{"hold quantity huge", "POST", "/api/v1/events/" + ev + "/holds", buyer, `{"section":"Floor","quantity":1000}`, 422, "validation_failed", "quantity"},
		{"hold unknown seat", "POST", "/api/v1/events/" + ev + "/holds", buyer, `{"seat_ids":["999999"]}`, 422, "validation_failed", "seat_ids[0]"},
		{"hold bad seat id", "POST", "/api/v1/events/" + ev + "/holds", buyer, `{"seat_ids":["abc"]}`, 422, "validation_failed", "seat_ids[0]"},
		{"hold unknown section", "POST", "/api/v1/events/" + ev + "/holds", buyer, `{"section":"Balcony","quantity":1}`, 422, "validation_failed", "section"},
		{"hold no event", "POST", "/api/v1/events/evt_none/holds", buyer, `{"section":"Floor","quantity":1}`, 404, "not_found", ""},
		{"hold over limit", "POST", "/api/v1/events/" + ev + "/holds", buyer, `{"section":"Floor","quantity":9}`, 409, "ticket_limit_exceeded", ""},
		{"order no hold", "POST", "/api/v1/orders", buyer, `{"payment_token":"tok_visa"}`, 422, "validation_failed", "hold_id"},
		{"order unknown hold", "POST", "/api/v1/orders", buyer, `{"hold_id":"hld_x","payment_token":"tok_visa"}`, 404, "not_found", ""},
		{"order bad delivery", "POST", "/api/v1/orders", buyer, `{"hold_id":"hld_x","payment_token":"tok_visa","delivery":"pigeon"}`, 422, "validation_failed", "delivery"},
		{"register short password", "POST", "/api/v1/auth/register", "", `{"email":"a@b.example","password":"short","name":"A"}`, 422, "validation_failed", "password"},
		{"register bad email", "POST", "/api/v1/auth/register", "", `{"email":"nope","password":"long-enough","name":"A"}`, 422, "validation_failed", "email"},
		{"register picks role", "POST", "/api/v1/auth/register", "", `{"email":"x@b.example","password":"long-enough","name":"A","role":"admin"}`, 400, "invalid_json", ""},
		{"login wrong", "POST", "/api/v1/auth/login", "", `{"email":"root@example.com","password":"wrong-password"}`, 401, "unauthorized", ""},
		{"login unknown", "POST", "/api/v1/auth/login", "", `{"email":"nobody@example.com","password":"wrong-password"}`, 401, "unauthorized", ""},
		{"checkin garbage", "POST", "/api/v1/checkins", h.admin, `{"barcode":"hello"}`, 422, "invalid_barcode", ""},
		{"bad idempotency key", "POST", "/api/v1/events/" + ev + "/holds", buyer, `{"section":"Floor","quantity":1}`, 422, "validation_failed", "Idempotency-Key"},
		{"offers bad quantity", "GET", "/api/v1/events/" + ev + "/offers?quantity=0", "", "", 422, "validation_failed", "quantity"},
		{"events bad near", "GET", "/api/v1/events?near=north", "", "", 422, "validation_failed", "near"},
		{"events bad limit", "GET", "/api/v1/events?limit=501", "", "", 422, "validation_failed", "limit"},
		{"events bad cursor", "GET", "/api/v1/events?cursor=zzz", "", "", 422, "validation_failed", "cursor"},
	}
	for _, tc := range cases {
		req := apitest.Req{Method: tc.method, Path: tc.path, Token: tc.token}
		if tc.body != "" || tc.method == "POST" {
			req.Body = tc.body
		}
		if tc.name == "bad idempotency key" {
			req.Header = map[string]string{"Idempotency-Key": "tab\there"}
		}
		r := h.c.Do(t, req)
		var p struct {
			Code      string
			RequestID string `json:"request_id"`
			Detail    string
			Errors    []struct{ Field, Message string }
		}
		r.JSON(t, &p)
		if r.Status != tc.status || p.Code != tc.code {
			t.Errorf("%s: got %d %s, want %d %s: %s", tc.name, r.Status, p.Code, tc.status, tc.code, r.Body)
			continue
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s: content type %q", tc.name, ct)
		}
		if p.RequestID == "" || p.Detail == "" {
			t.Errorf("%s: problem without request_id or detail: %s", tc.name, r.Body)
		}
		if tc.field != "" {
			found := false
			for _, e := range p.Errors {
				found = found || e.Field == tc.field
			}
			if !found {
				t.Errorf("%s: errors do not name %q: %s", tc.name, tc.field, r.Body)
			}
		}
	}
	resp, err := http.Get(h.c.Base + "/api/v1/nothing")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown route: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var vs struct{ Venues []any }
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/venues"}).JSON(t, &vs)
	if len(vs.Venues) != 1 {
		t.Errorf("bad requests created venues: %d", len(vs.Venues))
	}
	if after := h.sales(t, ev); after != before {
		t.Errorf("bad requests changed the event: %+v -> %+v", before, after)
	}
}
