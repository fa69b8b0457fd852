package httpapi_test

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/config"
)

// FuzzAPI sends every route of the API bodies, query strings and
// Idempotency-Keys from the fuzzer, as an anonymous caller, a buyer or an
// admin: no input may make the server fail (5xx) or answer an error that
// is not problem+json. The routes come from the router, their ids from
// real objects, so the fuzzer reaches the handlers' decoding and checks.
func FuzzAPI(f *testing.F) {
	// A fuzz worker's output is read only at its end: a log line per
	// request would fill the pipe and stall the worker.
	h := newHarnessWith(f, harnessOptions{log: slog.New(slog.DiscardHandler)}, func(c *config.Config) { c.RateLimits.Enabled = false })
	buyer := h.buyer(f)
	ev := h.event(f, 2, 5, 20)
	var e struct {
		Event struct {
			VenueID string `json:"venue_id"`
		}
	}
	h.c.Must(f, 200, apitest.Req{Method: "GET", Path: "/api/v1/events/" + ev}).JSON(f, &e)
	hold := func() string {
		var r struct{ Hold struct{ ID string } }
		h.c.Must(f, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: buyer,
			Body: map[string]any{"section": "Floor", "quantity": 1}}).JSON(f, &r)
		return r.Hold.ID
	}
	var o struct {
		Order struct {
			ID      string
			Tickets []struct{ ID, Barcode string }
		}
	}
	h.c.Must(f, 201, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: buyer, Header: map[string]string{"Idempotency-Key": "seed"},
		Body: map[string]any{"hold_id": hold(), "payment_token": "tok_visa"}}).JSON(f, &o)
	holdID := hold()
	ids := strings.NewReplacer("{token}", "qp_fuzz")
	type route struct{ method, path string }
	var routes []route
	for _, p := range h.app.APIRoutes() {
		method, path, ok := strings.Cut(p, " ")
		if !ok || strings.HasSuffix(path, "/stream") || path == "/metrics" {
			continue // endless streams; /metrics is read-only and slow to fuzz
		}
		id := ev
		switch {
		case strings.Contains(path, "/venues/"):
			id = e.Event.VenueID
		case strings.Contains(path, "/holds/"):
			id = holdID
		case strings.Contains(path, "/orders/"):
			id = o.Order.ID
		case strings.Contains(path, "/tickets/"):
			id = o.Order.Tickets[0].ID
		}
		routes = append(routes, route{method, strings.ReplaceAll(ids.Replace(path), "{id}", id)})
	}
	seeds := map[string]string{
		"/auth/register": `{"email":"a@example.com","password":"password-1","name":"A"}`,
		"/auth/login":    `{"email":"a@example.com","password":"password-1"}`,
		"/venues":        `{"name":"V","lat":1,"lon":2,"timezone":"UTC","sections":[{"name":"F","general_admission":true,"capacity":5}]}`,
		"/events":        `{"venue_id":"` + e.Event.VenueID + `","name":"E","category":"concert","starts_at":"2027-01-01T20:00:00Z","onsale_at":"2026-01-01T00:00:00Z","default_price_cents":1000}`,
		"/holds":         `{"best_available":true,"quantity":2,"max_price_cents":3000}`,
		"/orders":        `{"hold_id":"` + holdID + `","payment_token":"tok_visa","add_ons":[{"add_on_id":"x","quantity":1}],"confirm_by":["email","sms"],"phone":"+14155550100"}`,
		"/checkins":      `{"barcode":"` + o.Order.Tickets[0].Barcode + `"}`,
		"/admin/users":   `{"email":"s@example.com","password":"password-1","name":"S","role":"staff"}`,
		"/queue":         `{"pow_challenge":"x","pow_nonce":"y"}`,
		"/events/" + ev:  `{"name":"Renamed","max_tickets_per_user":4}`,
	}
	for i, r := range routes {
		body := ""
		for suffix, b := range seeds {
			if strings.HasSuffix(r.path, suffix) {
				body = b
			}
		}
		f.Add(uint8(i), uint8(2), []byte(body), querySeed(r.path, ev), "key-1")
	}
	tokens := []string{"", buyer, h.admin}
	f.Fuzz(func(t *testing.T, routeNo, role uint8, body []byte, query, key string) {
		r := routes[int(routeNo)%len(routes)]
		req := httptest.NewRequest(r.method, r.path, bytes.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", "application/json")
		if tok := tokens[int(role)%len(tokens)]; tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		w := httptest.NewRecorder()
		done := make(chan struct{})
		go func() { defer close(done); h.app.Handler.ServeHTTP(w, req) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s %s?%s with %q as role %d: no answer in 10 s", r.method, r.path, query, body, role)
		}
		if w.Code >= 500 {
			t.Fatalf("%s %s?%s with %q: %d %s", r.method, r.path, query, body, w.Code, w.Body)
		}
		if ct := w.Header().Get("Content-Type"); w.Code >= 400 && !strings.HasPrefix(ct, "application/problem+json") {
			t.Fatalf("%s %s?%s with %q: %d as %q, want problem+json", r.method, r.path, query, body, w.Code, ct)
		}
	})
}

// querySeed is a query string of the parameters a route takes (routes
// refuse others), so that the fuzzer starts from ones that reach the
// handler's checks.
func querySeed(path, eventID string) string {
	switch {
	case strings.HasSuffix(path, "/offers"):
		return "quantity=2&sort=price&min_price_cents=1000&max_price_cents=3000&section=A&limit=5"
	case strings.HasSuffix(path, "/seats"):
		return "format=compact"
	case path == "/api/v1/events":
		return "q=show&category=concert&from=2026-01-01T00:00:00Z&near=40.7,-74&radius_km=10&limit=5"
	case path == "/api/v1/venues":
		return "q=hall&near=40.7,-74&radius_km=10"
	case strings.HasSuffix(path, "/events"): // a venue's
		return "limit=5"
	case path == "/api/v1/me/orders":
		return "limit=5&all=true&event_id=" + eventID
	case path == "/api/v1/me/tickets":
		return "limit=5&event_id=" + eventID
	case path == "/api/v1/admin/notifications":
		return "status=dead&limit=5"
	}
	return ""
}
