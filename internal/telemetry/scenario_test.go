package telemetry_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/boxoffice/boxoffice/internal/apitest"
)

// played is what a scenario made: the ids that must never become label
// values (but event ids of events on sale), and the secrets that must never
// reach a log line.
type played struct {
	eventID string
	ids     []string // holds, orders, tickets, users
	secrets []string // passwords, tokens, card tokens, barcodes
}

// playOnSale runs a small on-sale through the real API: a buyer holds two
// seats, a second buyer loses the race for one of them, a card is
// declined, the provider has an outage, a card is charged, the gate scans
// a ticket, a hold is released, another expires, and the admin refunds.
func playOnSale(t *testing.T, in *instance) played {
	t.Helper()
	eventID, seats := in.event(t, 4, 10)
	p := played{eventID: eventID, secrets: []string{adminPassword, in.admin, "tok_visa", "tok_chargeDeclined", "tok_processingError"}}
	alicePass, bobPass := "alice-secret-pw-1", "bob-secret-pw-2"
	alice := in.register(t, "alice@example.com", alicePass)
	bob := in.register(t, "bob@example.com", bobPass)
	p.secrets = append(p.secrets, alicePass, bobPass, alice, bob)

	var h struct{ Hold struct{ ID string } }
	in.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + eventID + "/holds", Token: alice,
		Body: map[string]any{"seat_ids": seats[:2]}}).JSON(t, &h)
	p.ids = append(p.ids, h.Hold.ID)
	// Bob loses the race for seat 2: an expected outcome.
	if r := in.c.Do(t, apitest.Req{Method: "POST", Path: "/api/v1/events/" + eventID + "/holds", Token: bob,
		Body: map[string]any{"seat_ids": seats[1:3]}}); r.Code() != "seats_unavailable" {
		t.Fatalf("lost race: %d %s", r.Status, r.Body)
	}
	order := func(key, token string) *apitest.Response {
		return in.c.Do(t, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: alice, Header: map[string]string{"Idempotency-Key": key},
			Body: map[string]any{"hold_id": h.Hold.ID, "payment_token": token, "delivery": "mobile"}})
	}
	if r := order("k1", "tok_chargeDeclined"); r.Code() != "payment_declined" {
		t.Fatalf("declined card: %d %s", r.Status, r.Body)
	}
	if r := order("k2", "tok_processingError"); r.Status != 503 || r.Code() != "unavailable" {
		t.Fatalf("provider outage: %d %s", r.Status, r.Body)
	}
	var o struct {
		Order struct {
			ID      string
			Tickets []struct{ ID, Barcode string }
		}
	}
	r := order("k3", "tok_visa")
	if r.Status != 201 {
		t.Fatalf("pay: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &o)
	p.ids = append(p.ids, o.Order.ID)
	for _, tk := range o.Order.Tickets {
		p.ids = append(p.ids, tk.ID)
		p.secrets = append(p.secrets, tk.Barcode)
	}
	in.c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/checkins", Token: in.admin, Body: map[string]string{"barcode": o.Order.Tickets[0].Barcode}})
	in.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/orders/" + o.Order.ID, Token: alice})
	in.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/tickets/" + o.Order.Tickets[1].ID, Token: alice})

	// Bob holds on the floor and lets go; then holds again and lets it expire.
	in.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + eventID + "/holds", Token: bob,
		Body: map[string]any{"section": "Floor", "quantity": 2}}).JSON(t, &h)
	p.ids = append(p.ids, h.Hold.ID)
	in.c.Must(t, 204, apitest.Req{Method: "DELETE", Path: "/api/v1/holds/" + h.Hold.ID, Token: bob})
	in.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + eventID + "/holds", Token: bob,
		Body: map[string]any{"section": "Floor", "quantity": 1}}).JSON(t, &h)
	p.ids = append(p.ids, h.Hold.ID)
	in.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/holds/" + h.Hold.ID, Token: bob})
	in.clock.Advance(6 * time.Minute)
	if n, err := in.app.Booking.ExpireHolds(context.Background()); err != nil || n != 1 {
		t.Fatalf("expire holds: %d %v", n, err)
	}
	if r := in.c.Do(t, apitest.Req{Method: "GET", Path: "/api/v1/holds/nosuchhold", Token: bob}); r.Status != 404 {
		t.Fatalf("missing hold: %d", r.Status)
	}
	in.c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/orders/" + o.Order.ID + "/refund", Token: in.admin})
	var me struct{ User struct{ ID string } }
	in.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/me", Token: bob}).JSON(t, &me)
	p.ids = append(p.ids, me.User.ID)
	return p
}

// TestMetricsAfterOnSale scrapes /metrics after a scripted on-sale and
// checks that every counter moved as it should: the lost race and the
// declined card count as expected errors, the provider outage as the one
// failure.
func TestMetricsAfterOnSale(t *testing.T) {
	t.Parallel()
	in := start(t, false)
	p := playOnSale(t, in)
	fams := in.scrape(t)

	const holds, orders = "POST /api/v1/events/{id}/holds", "POST /api/v1/orders"
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		// Traffic and latency, by route pattern and status class.
		{"boxoffice_http_request_duration_seconds", map[string]string{"route": holds, "method": "POST", "status": "2xx"}, 3},
		{"boxoffice_http_request_duration_seconds", map[string]string{"route": holds, "method": "POST", "status": "4xx"}, 1},
		{"boxoffice_http_request_duration_seconds", map[string]string{"route": orders, "method": "POST", "status": "2xx"}, 1},
		{"boxoffice_http_request_duration_seconds", map[string]string{"route": orders, "method": "POST", "status": "5xx"}, 1},
		{"boxoffice_http_request_duration_seconds", map[string]string{"route": "DELETE /api/v1/holds/{id}", "method": "DELETE", "status": "2xx"}, 1},
		// Errors: expected ones apart from failures.
		{"boxoffice_http_errors_total", map[string]string{"route": holds, "code": "seats_unavailable", "class": "expected"}, 1},
		{"boxoffice_http_errors_total", map[string]string{"route": orders, "code": "payment_declined", "class": "expected"}, 1},
		{"boxoffice_http_errors_total", map[string]string{"route": orders, "code": "unavailable", "class": "failure"}, 1},
		{"boxoffice_http_errors_total", map[string]string{"route": "GET /api/v1/holds/{id}", "code": "not_found", "class": "expected"}, 1},
		{"boxoffice_payment_requests_total", map[string]string{"op": "charge", "outcome": "ok"}, 1},
		{"boxoffice_payment_requests_total", map[string]string{"op": "charge", "outcome": "declined"}, 1},
		{"boxoffice_payment_requests_total", map[string]string{"op": "charge", "outcome": "failure"}, 1},
		{"boxoffice_payment_requests_total", map[string]string{"op": "refund", "outcome": "ok"}, 1},
		// Business.
		{"boxoffice_holds_total", nil, 3},
		{"boxoffice_orders_paid_total", nil, 1},
		{"boxoffice_tickets_issued_total", nil, 2},
		{"boxoffice_checkins_total", nil, 1},
		{"boxoffice_refunds_total", nil, 1},
		{"boxoffice_hold_expirations_total", nil, 1},
		// On-sale gauges, read from the store at scrape time.
		{"boxoffice_events_on_sale", nil, 1},
		{"boxoffice_event_seats", map[string]string{"event_id": p.eventID, "state": "available"}, 14},
		{"boxoffice_event_seats", map[string]string{"event_id": p.eventID, "state": "sold"}, 0},
		{"boxoffice_event_active_holds", map[string]string{"event_id": p.eventID}, 0},
		{"boxoffice_event_info", map[string]string{"event_id": p.eventID, "name": "Test Show"}, 1},
	} {
		if got := value(t, fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if got := sum(fams, "boxoffice_http_errors_total", map[string]string{"class": "failure"}); got != 1 {
		t.Errorf("failures = %v, want only the provider outage", got)
	}
	if got := sum(fams, "boxoffice_http_errors_total", map[string]string{"class": "expected"}); got < 3 {
		t.Errorf("expected errors = %v, want at least the lost race, the decline and the 404", got)
	}
	// Saturation.
	for _, name := range []string{"boxoffice_http_requests_in_flight", "boxoffice_outbox_pending_messages",
		"boxoffice_outbox_oldest_pending_age_seconds", "boxoffice_reconcile_pending_orders", "go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
	for _, pool := range []string{"writer", "readers"} {
		value(t, fams, "boxoffice_db_pool_connections", map[string]string{"pool": pool, "state": "in_use"})
		value(t, fams, "boxoffice_db_pool_max_connections", map[string]string{"pool": pool})
	}
	if n := value(t, fams, "boxoffice_db_query_duration_seconds", map[string]string{"op": "booking.tx"}); n < 8 {
		t.Errorf("booking transactions timed: %v", n)
	}
	value(t, fams, "boxoffice_db_query_duration_seconds", map[string]string{"op": "account.user_by_session"})
	value(t, fams, "boxoffice_payment_request_duration_seconds", map[string]string{"op": "charge"})
	if got := sum(fams, "boxoffice_db_errors_total", nil); got != 0 {
		t.Errorf("db errors = %v in a healthy run", got)
	}
	checkLabelsBounded(t, fams, p)
}

// labelValues says which values each label may take: a fixed set or a
// pattern, never a value that comes from a request or from data (but
// event_id, checked separately).
var labelValues = map[string]*regexp.Regexp{
	// A route is a registered pattern: a method, and a path whose variable
	// segments are {names}.
	"route":   regexp.MustCompile(`^((GET|POST|PUT|PATCH|DELETE) )?/([a-z0-9._-]+/|\{[a-z_]+\}/)*([a-z0-9._-]+|\{[a-z_]+\})?$`),
	"method":  regexp.MustCompile(`^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$`),
	"status":  regexp.MustCompile(`^[1-5]xx$|^other$`),
	"code":    regexp.MustCompile(`^[a-z_]+$`),
	"class":   regexp.MustCompile(`^(expected|failure)$`),
	"op":      regexp.MustCompile(`^[a-z]+(\.[a-z_]+)?$`),
	"outcome": regexp.MustCompile(`^(ok|declined|invalid|not_found|no_charge|failure)$`),
	"job":     regexp.MustCompile(`^[a-z_]+$`),
	"result":  regexp.MustCompile(`^(ok|error)$`),
	"state":   regexp.MustCompile(`^(available|held|sold|in_use|idle)$`),
	"pool":    regexp.MustCompile(`^(writer|readers|primary)$`),
	// Go runtime and process collectors.
	"version":  regexp.MustCompile(`^go[0-9.]+`),
	"le":       regexp.MustCompile(`.`),
	"cause":    regexp.MustCompile(`^(encoding|gathering)$`), // promhttp's own errors
	"quantile": regexp.MustCompile(`^[0-9.]+$`),
}

// checkLabelsBounded fails on a label that could grow without bound: an
// unknown label name, a value outside its set, an id that is not an event
// on sale, or a family with too many series.
func checkLabelsBounded(t *testing.T, fams map[string]*dto.MetricFamily, p played) {
	t.Helper()
	for name, f := range fams {
		if len(f.Metric) > 200 {
			t.Errorf("%s has %d series", name, len(f.Metric))
		}
		for _, m := range f.Metric {
			for _, l := range m.Label {
				k, v := l.GetName(), l.GetValue()
				switch {
				case k == "event_id":
					if v != p.eventID {
						t.Errorf("%s{event_id=%q}: not an event on sale", name, v)
					}
					continue
				case k == "name" && name == "boxoffice_event_info":
					continue
				}
				re, ok := labelValues[k]
				if !ok {
					t.Errorf("%s: unexpected label %s=%q", name, k, v)
					continue
				}
				if !re.MatchString(v) {
					t.Errorf("%s: label %s=%q is outside its set", name, k, v)
				}
				for _, id := range append([]string{p.eventID}, p.ids...) {
					if id != "" && strings.Contains(v, id) {
						t.Errorf("%s: label %s=%q holds the id %s", name, k, v, id)
					}
				}
			}
		}
	}
}

// TestLogsKeepSecrets runs the on-sale with debug logging and checks that
// no password, session token, card token or barcode reaches the log, while
// every request did write its one line.
func TestLogsKeepSecrets(t *testing.T) {
	t.Parallel()
	in := start(t, true)
	p := playOnSale(t, in)
	logs := in.logs.String()
	if n := strings.Count(logs, `"msg":"request"`); n < 20 {
		t.Fatalf("only %d request lines logged:\n%s", n, logs)
	}
	for _, s := range p.secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("the log holds a secret %q", s)
		}
	}
	if !strings.Contains(logs, `"msg":"request failed"`) || !strings.Contains(logs, "provider") {
		t.Errorf("the provider outage is not logged with its cause:\n%s", logs)
	}
}
