package apitest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/boxoffice/boxoffice/internal/apitest"
)

const docPath = "../httpapi/openapi.json"

var readDoc = sync.OnceValues(func() ([]byte, error) { return os.ReadFile(docPath) })

func docBytes(t *testing.T) []byte {
	t.Helper()
	b, err := readDoc()
	if err != nil {
		t.Fatalf("read %s: %v", docPath, err)
	}
	return b
}

// rawDoc is the document decoded with encoding/json, for structural checks.
func rawDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(docBytes(t), &doc); err != nil {
		t.Fatalf("%s is not JSON: %v", docPath, err)
	}
	return doc
}

func TestDocumentIsOpenAPI31(t *testing.T) {
	t.Parallel()
	doc := rawDoc(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	info, _ := doc["info"].(map[string]any)
	if s, _ := info["title"].(string); s == "" {
		t.Errorf("info.title missing")
	}
	if s, _ := info["version"].(string); s == "" {
		t.Errorf("info.version missing")
	}
	servers, _ := doc["servers"].([]any)
	if len(servers) == 0 || servers[0].(map[string]any)["url"] != "/api/v1" {
		t.Errorf("servers[0].url is not /api/v1: %v", servers)
	}
	comps, _ := doc["components"].(map[string]any)
	schemes, _ := comps["securitySchemes"].(map[string]any)
	bearer, _ := schemes["bearerAuth"].(map[string]any)
	if bearer["type"] != "http" || bearer["scheme"] != "bearer" {
		t.Errorf("securitySchemes.bearerAuth = %v, want http bearer", bearer)
	}
	schemas, _ := comps["schemas"].(map[string]any)
	for _, name := range []string{"User", "Venue", "Section", "Row", "Event", "Price", "AddOn", "SeatMap", "Offer",
		"Hold", "HeldSeat", "Order", "LineItem", "Ticket", "Checkin", "Sales", "Problem", "QueueJoin", "QueueStatus"} {
		if _, ok := schemas[name]; !ok {
			t.Errorf("components.schemas.%s missing", name)
		}
	}
}

func TestEveryRefResolves(t *testing.T) {
	t.Parallel()
	doc := rawDoc(t)
	n := 0
	walk(doc, "", func(v any, at string) {
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		ref, ok := obj["$ref"].(string)
		if !ok {
			return
		}
		n++
		ptr, ok := strings.CutPrefix(ref, "#")
		if !ok {
			t.Errorf("%s: $ref %q is not local", at, ref)
			return
		}
		if _, ok := pointer(doc, ptr); !ok {
			t.Errorf("%s: $ref %q does not resolve", at, ref)
		}
	})
	if n == 0 {
		t.Fatal("no $ref found; the walk is broken")
	}
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

func TestOperations(t *testing.T) {
	t.Parallel()
	doc := rawDoc(t)
	paths := doc["paths"].(map[string]any)
	ids := map[string]string{}
	for tmpl, rawItem := range paths {
		item := rawItem.(map[string]any)
		for _, m := range []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"} {
			rawOp, ok := item[m]
			if !ok {
				continue
			}
			op := rawOp.(map[string]any)
			name := strings.ToUpper(m) + " " + tmpl
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s: no operationId", name)
			} else if prev, dup := ids[id]; dup {
				t.Errorf("%s: operationId %q also used by %s", name, id, prev)
			}
			ids[id] = name

			// Every {param} of the template is declared as a required path parameter.
			declared := map[string]bool{}
			params := append(asList(item["parameters"]), asList(op["parameters"])...)
			hasIdem := false
			for _, p := range params {
				po := deref(t, doc, p)
				if po["in"] == "path" {
					declared[po["name"].(string)] = po["required"] == true
				}
				if po["in"] == "header" && po["name"] == "Idempotency-Key" {
					hasIdem = true
				}
			}
			for _, m := range pathParam.FindAllStringSubmatch(tmpl, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter %q not declared as required", name, m[1])
				}
			}

			resps, _ := op["responses"].(map[string]any)
			if len(resps) == 0 {
				t.Errorf("%s: no responses", name)
			}
			for status, rv := range resps {
				r := deref(t, doc, rv)
				if d, _ := r["description"].(string); d == "" {
					t.Errorf("%s %s: response has no description", name, status)
				}
				content, _ := r["content"].(map[string]any)
				if status == "201" && m == "post" && !hasIdem {
					t.Errorf("%s creates something but takes no Idempotency-Key", name)
				}
				if strings.HasPrefix(tmpl, "/healthz") || strings.HasPrefix(tmpl, "/readyz") || strings.HasPrefix(tmpl, "/metrics") {
					continue
				}
				if status >= "400" {
					if _, ok := content["application/problem+json"]; !ok || len(content) != 1 {
						t.Errorf("%s %s: error response must be application/problem+json only, has %v", name, status, keys(content))
					}
				} else if status != "204" && status != "304" { // neither has a body
					_, stream := content["text/event-stream"]
					// A wallet pass is a file a phone opens, not JSON.
					_, pass := content["application/vnd.apple.pkpass"]
					if _, ok := content["application/json"]; !ok && !stream && !pass {
						t.Errorf("%s %s: success response has no application/json content", name, status)
					}
				}
			}
			if rb, ok := op["requestBody"]; ok {
				rbo := deref(t, doc, rb)
				content, _ := rbo["content"].(map[string]any)
				mt, _ := content["application/json"].(map[string]any)
				if mt == nil {
					t.Errorf("%s: request body is not application/json", name)
					continue
				}
				checkClosed(t, doc, name+" request body", mt["schema"], map[string]bool{})
			}
		}
	}
}

// checkClosed asserts that a request-body schema rejects unknown fields.
func checkClosed(t *testing.T, doc map[string]any, where string, v any, seen map[string]bool) {
	t.Helper()
	s, ok := v.(map[string]any)
	if !ok {
		return
	}
	if ref, ok := s["$ref"].(string); ok {
		if seen[ref] {
			return
		}
		seen[ref] = true
		target, _ := pointer(doc, strings.TrimPrefix(ref, "#"))
		checkClosed(t, doc, where+" -> "+ref, target, seen)
		return
	}
	for _, kw := range []string{"oneOf", "anyOf", "allOf"} {
		for _, sub := range asList(s[kw]) {
			checkClosed(t, doc, where, sub, seen)
		}
	}
	if s["type"] == "object" {
		if s["additionalProperties"] != false {
			t.Errorf("%s: object schema does not set additionalProperties: false", where)
		}
		props, _ := s["properties"].(map[string]any)
		for name, p := range props {
			checkClosed(t, doc, where+"."+name, p, seen)
		}
	}
	if items, ok := s["items"]; ok {
		checkClosed(t, doc, where+"[]", items, seen)
	}
}

// TestResponseSchemasAreOpen checks that no schema reachable from a response
// forbids additional properties: servers may add fields.
func TestResponseSchemasAreOpen(t *testing.T) {
	t.Parallel()
	doc := rawDoc(t)
	seen := map[string]bool{}
	var visit func(v any, where string)
	visit = func(v any, where string) {
		walk(v, where, func(n any, at string) {
			obj, ok := n.(map[string]any)
			if !ok {
				return
			}
			if obj["additionalProperties"] == false {
				t.Errorf("%s: response schema sets additionalProperties: false", at)
			}
			if ref, ok := obj["$ref"].(string); ok && !seen[ref] {
				seen[ref] = true
				target, _ := pointer(doc, strings.TrimPrefix(ref, "#"))
				visit(target, ref)
			}
		})
	}
	for tmpl, item := range doc["paths"].(map[string]any) {
		for m, op := range item.(map[string]any) {
			if o, ok := op.(map[string]any); ok {
				visit(o["responses"], m+" "+tmpl)
			}
		}
	}
}

func TestLoadCompilesEverySchema(t *testing.T) {
	t.Parallel()
	spec := apitest.Load(t, docBytes(t))
	if n := len(spec.Operations()); n < 30 {
		t.Errorf("only %d operations", n)
	}
	if n := len(spec.SchemaNames()); n < 20 {
		t.Errorf("only %d schemas compiled", n)
	}
}

func TestParseRejectsBrokenDocuments(t *testing.T) {
	t.Parallel()
	for name, doc := range map[string]string{
		"not json":     `{`,
		"openapi 3.0":  `{"openapi":"3.0.3","info":{"title":"x","version":"1"},"paths":{}}`,
		"dangling ref": `{"openapi":"3.1.0","info":{"title":"x","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Nope"}}}}}}}}}`,
		"bad schema":   `{"openapi":"3.1.0","info":{"title":"x","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":"bogus"}}}}}}}}}`,
		"bad response": `{"openapi":"3.1.0","info":{"title":"x","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"$ref":"#/components/responses/Nope"}}}}}}`,
	} {
		if _, err := apitest.Parse([]byte(doc)); err == nil {
			t.Errorf("%s: Parse accepted it", name)
		}
	}
}

// TestContractEndpoints checks that every endpoint of shared/api.md is described.
func TestContractEndpoints(t *testing.T) {
	t.Parallel()
	spec := apitest.Load(t, docBytes(t))
	for _, ep := range []string{
		"POST /api/v1/auth/register", "POST /api/v1/auth/login", "POST /api/v1/auth/logout", "GET /api/v1/me",
		"GET /api/v1/me/orders", "GET /api/v1/me/tickets", "POST /api/v1/admin/users",
		"POST /api/v1/venues", "GET /api/v1/venues?near=40.8,-74.0&radius_km=10&q=met", "GET /api/v1/venues/v1",
		"GET /api/v1/venues/v1/events", "POST /api/v1/events", "GET /api/v1/events?category=sports&limit=10",
		"GET /api/v1/events/e1", "POST /api/v1/events/e1/cancel", "GET /api/v1/events/e1/seats",
		"GET /api/v1/events/e1/offers?quantity=2&sort=best", "POST /api/v1/events/e1/holds", "GET /api/v1/holds/h1",
		"DELETE /api/v1/holds/h1", "POST /api/v1/orders", "GET /api/v1/orders/o1", "POST /api/v1/orders/o1/refund",
		"GET /api/v1/tickets/t1", "POST /api/v1/checkins", "POST /api/v1/events/e1/queue",
		"GET /api/v1/events/e1/queue/q1", "GET /api/v1/admin/events/e1/sales", "GET /api/v1/openapi.json",
		"GET /healthz", "GET /readyz", "GET /metrics",
	} {
		method, path, _ := strings.Cut(ep, " ")
		if _, ok := spec.Match(method, path); !ok {
			t.Errorf("%s is not described", ep)
		}
	}
	if _, ok := spec.Match("GET", "/healthz/x"); ok {
		t.Errorf("/healthz/x matched")
	}
	if _, ok := spec.Match("GET", "/api/v1/healthz"); ok {
		t.Errorf("/api/v1/healthz matched: operational endpoints are outside /api/v1")
	}
	if _, ok := spec.Match("GET", "/events/e1"); ok {
		t.Errorf("/events/e1 matched without the /api/v1 base path")
	}
}

type example struct {
	name        string
	method      string
	path        string
	status      int
	contentType string
	body        string
	wantErr     string // "" when the response must pass; else a substring of the error
}

const (
	jsonCT    = "application/json; charset=utf-8"
	problemCT = "application/problem+json"
)

const holdGA = `{"hold": {"id": "hld_9f8e7d6c5b4a39281706f5e4", "event_id": "evt_1", "status": "active",
 "expires_at": "2026-12-01T17:05:00Z", "quantity": 2,
 "seats": [{"id": "s1", "section": "Floor", "row": null, "number": null, "price_cents": 9900},
           {"id": "s2", "section": "Floor", "row": null, "number": null, "price_cents": 9900}],
 "subtotal_cents": 19800, "currency": "USD"}}`

const order = `{"order": {"id": "ord_1", "status": "paid", "event_id": "evt_1", "hold_id": "hld_1", "currency": "USD",
 "line_items": [
   {"kind": "ticket", "description": "Section 312", "quantity": 2, "unit_cents": 2500, "total_cents": 5000},
   {"kind": "service_fee", "description": "Service fee", "quantity": 2, "unit_cents": 475, "total_cents": 950},
   {"kind": "order_fee", "description": "Order fee", "quantity": 1, "unit_cents": 395, "total_cents": 395}],
 "subtotal_cents": 5000, "fees_cents": 1345, "total_cents": 6345,
 "payment": {"provider": "fake", "charge_id": "ch_1"},
 "tickets": [{"id": "tkt_1", "section": "312", "row": "12", "number": 3, "barcode": "b.1"},
             {"id": "tkt_2", "section": "312", "row": "12", "number": 4, "barcode": "b.2"}],
 "created_at": "2026-11-20T15:01:02.123Z"}}`

const venue = `{"venue": {"id": "ven_1", "name": "MetLife Stadium", "address": "1 MetLife Stadium Dr",
 "city": "East Rutherford", "region": "NJ", "country": "US", "lat": 40.8135, "lon": -74.0745,
 "timezone": "America/New_York", "capacity": 5050, "sections": [
  {"id": "sec_1", "name": "312", "general_admission": false, "capacity": 50,
   "rows": [{"name": "1", "seats": 24}, {"name": "2", "seats": 26}], "x": 10, "y": 20.5},
  {"id": "sec_2", "name": "Floor", "general_admission": true, "capacity": 5000}]}}`

const event = `{"event": {"id": "evt_1", "venue_id": "ven_1", "name": "New York Jets vs. Houston Texans",
 "category": "sports", "description": "...", "starts_at": "2026-12-01T18:00:00Z", "onsale_at": "2026-11-20T15:00:00Z",
 "max_tickets_per_user": 8, "currency": "USD",
 "prices": [{"section": "312", "price_cents": 2500}, {"section": "Floor", "price_cents": 9900}],
 "service_fee_cents": 475, "order_fee_cents": 395,
 "add_ons": [{"id": "add_1", "name": "Gold Parking", "price_cents": 7500, "max_per_order": 1}],
 "queue": {"enabled": false, "admit_per_minute": 600}, "status": "published",
 "venue": {"id": "ven_1", "name": "MetLife Stadium", "capacity": 5050},
 "min_price_cents": 2500, "max_price_cents": 9900, "available": 5048}}`

const seatMap = `{"event_id": "evt_1", "sections": [
  {"name": "312", "general_admission": false, "price_cents": 2500,
   "rows": [{"name": "1", "seats": [{"id": "st_1", "number": 1, "status": "available"},
                                    {"id": "st_2", "number": 2, "status": "held"},
                                    {"id": "st_3", "number": 3, "status": "sold"}]}]},
  {"name": "Floor", "general_admission": true, "capacity": 5000, "available": 4998, "price_cents": 9900}]}`

// compactSeatMap is the same map in the compact form (?format=compact).
const compactSeatMap = `{"event_id": "evt_1", "format": "compact", "sections": [
  {"name": "312", "general_admission": false, "price_cents": 2500, "capacity": 3, "available": 1,
   "rows": [{"name": "1", "first_seat_id": "1", "first_number": 1, "status": "ahs"}]},
  {"name": "Floor", "general_admission": true, "capacity": 5000, "available": 4998, "price_cents": 9900}]}`

const problem409 = `{"type": "about:blank", "title": "Seats unavailable", "status": 409,
 "code": "seats_unavailable", "detail": "seat 312-12-3 is held by another buyer", "request_id": "01J0000"}`

func examples() []example {
	return []example{
		// Bodies of shared/api.md that must pass.
		{"register", "POST", "/api/v1/auth/register", 201, jsonCT,
			`{"token": "tok", "user": {"id": "usr_1", "email": "a@example.com", "name": "A", "role": "customer"}}`, ""},
		{"login", "POST", "/api/v1/auth/login", 200, jsonCT,
			`{"token": "tok", "user": {"id": "usr_1", "email": "a@example.com", "name": "A", "role": "admin"}}`, ""},
		{"logout", "POST", "/api/v1/auth/logout", 204, "", ``, ""},
		{"me", "GET", "/api/v1/me", 200, jsonCT, `{"user": {"id": "u", "email": "e", "name": "n", "role": "staff"}}`, ""},
		{"create venue", "POST", "/api/v1/venues", 201, jsonCT, venue, ""},
		{"list venues near", "GET", "/api/v1/venues?near=40.8,-74.0", 200, jsonCT,
			`{"venues": [{"id": "ven_1", "name": "MetLife", "capacity": 5050, "distance_km": 1.5}]}`, ""},
		{"get event", "GET", "/api/v1/events/evt_1", 200, jsonCT, event, ""},
		{"get event with sections", "GET", "/api/v1/events/evt_1", 200, jsonCT,
			strings.Replace(event, `"service_fee_cents": 475,`, `"sections": ["312", "Floor"], "service_fee_cents": 475,`, 1), ""},
		{"get event with bad sections", "GET", "/api/v1/events/evt_1", 200, jsonCT,
			strings.Replace(event, `"service_fee_cents": 475,`, `"sections": "312", "service_fee_cents": 475,`, 1), "sections"},
		{"list events", "GET", "/api/v1/events?q=jets", 200, jsonCT,
			`{"events": [{"id": "evt_1", "venue_id": "ven_1", "name": "x", "category": "movie", "starts_at": "2026-12-01T18:00:00Z",
			  "onsale_at": "2026-11-20T15:00:00Z", "max_tickets_per_user": 8, "currency": "USD", "status": "cancelled"}],
			  "next_cursor": null}`, ""},
		{"seat map", "GET", "/api/v1/events/evt_1/seats", 200, jsonCT, seatMap, ""},
		{"compact seat map", "GET", "/api/v1/events/evt_1/seats?format=compact", 200, jsonCT, compactSeatMap, ""},
		{"compact row with explicit ids", "GET", "/api/v1/events/evt_1/seats?format=compact", 200, jsonCT,
			strings.Replace(compactSeatMap, `"status": "ahs"}`, `"status": "ahs", "seat_ids": ["9", "7", "8"], "numbers": [1, 2, 4]}`, 1), ""},
		{"seat map not modified", "GET", "/api/v1/events/evt_1/seats", 304, "", ``, ""},
		{"offers", "GET", "/api/v1/events/evt_1/offers?quantity=2&sort=price", 200, jsonCT,
			`{"offers": [{"section": "312", "row": "1", "seat_from": 1, "seat_to": 4, "price_cents": 2500, "available": 4,
			  "seat_ids": ["a", "b", "c", "d"]}]}`, ""},
		{"hold GA", "POST", "/api/v1/events/evt_1/holds", 201, jsonCT, holdGA, ""},
		{"hold with extra field", "GET", "/api/v1/holds/hld_1", 200, jsonCT,
			strings.Replace(holdGA, `"currency": "USD"`, `"currency": "USD", "server_added": {"x": 1}`, 1), ""},
		{"converted hold", "GET", "/api/v1/holds/hld_1", 200, jsonCT,
			strings.Replace(holdGA, `"active"`, `"converted", "order_id": "ord_1"`, 1), ""},
		{"release hold", "DELETE", "/api/v1/holds/hld_1", 204, "", ``, ""},
		{"order", "POST", "/api/v1/orders", 201, jsonCT, order, ""},
		{"refund", "POST", "/api/v1/orders/ord_1/refund", 200, jsonCT, strings.Replace(order, `"paid"`, `"refunded"`, 1), ""},
		{"my tickets", "GET", "/api/v1/me/tickets?limit=10", 200, jsonCT,
			`{"tickets": [{"id": "t", "order_id": "o", "event_id": "e", "section": "Floor", "row": null, "number": null,
			  "barcode": "b", "status": "valid", "checked_in_at": null}], "next_cursor": "c2"}`, ""},
		{"checkin", "POST", "/api/v1/checkins", 200, jsonCT,
			`{"ticket_id": "t", "status": "checked_in", "section": "312", "row": "12", "number": 3, "event_id": "e"}`, ""},
		{"queue join", "POST", "/api/v1/events/evt_1/queue", 201, jsonCT, `{"token": "q", "status": "waiting", "position": 17}`, ""},
		{"queue waiting", "GET", "/api/v1/events/evt_1/queue/q", 200, jsonCT,
			`{"status": "waiting", "position": 3, "estimated_wait_seconds": 20}`, ""},
		{"queue admitted", "GET", "/api/v1/events/evt_1/queue/q", 200, jsonCT,
			`{"status": "admitted", "pass": "p", "pass_expires_at": "2026-11-20T15:10:00Z"}`, ""},
		{"sales", "GET", "/api/v1/admin/events/evt_1/sales", 200, jsonCT,
			`{"capacity": 10, "available": 5, "held": 2, "sold": 3, "orders": 2, "gross_cents": 6345, "refunded_cents": 0}`, ""},
		{"problem 409", "POST", "/api/v1/events/evt_1/holds", 409, problemCT, problem409, ""},
		{"validation problem", "POST", "/api/v1/venues", 422, problemCT,
			`{"type": "about:blank", "title": "Invalid", "status": 422, "code": "validation_failed", "request_id": "r",
			  "errors": [{"field": "sections[2].rows[0].seats", "message": "must be between 1 and 500"}]}`, ""},
		{"payment declined", "POST", "/api/v1/orders", 402, problemCT,
			`{"type": "about:blank", "title": "Payment declined", "status": 402, "code": "payment_declined", "request_id": "r"}`, ""},
		{"rate limited anywhere", "GET", "/api/v1/events", 429, problemCT,
			`{"type": "about:blank", "title": "Slow down", "status": 429, "code": "rate_limited", "request_id": "r"}`, ""},
		{"healthz", "GET", "/healthz", 200, "text/plain; charset=utf-8", "ok\n", ""},
		{"metrics", "GET", "/metrics", 200, "text/plain; version=0.0.4; charset=utf-8", "# HELP x\nx 1\n", ""},

		// Broken ones that must fail.
		{"bogus hold status", "GET", "/api/v1/holds/hld_1", 200, jsonCT, strings.Replace(holdGA, `"active"`, `"bogus"`, 1), "status"},
		{"converted hold without order", "GET", "/api/v1/holds/hld_1", 200, jsonCT,
			strings.Replace(holdGA, `"active"`, `"converted"`, 1), "order_id"},
		{"GA seat without row", "GET", "/api/v1/holds/hld_1", 200, jsonCT,
			strings.Replace(holdGA, `"row": null, `, ``, 1), "row"},
		{"money as float", "GET", "/api/v1/holds/hld_1", 200, jsonCT,
			strings.Replace(holdGA, `"subtotal_cents": 19800`, `"subtotal_cents": 198.5`, 1), "subtotal_cents"},
		{"money as string", "POST", "/api/v1/orders", 201, jsonCT,
			strings.Replace(order, `"total_cents": 6345`, `"total_cents": "6345"`, 1), "total_cents"},
		{"bad time", "POST", "/api/v1/orders", 201, jsonCT,
			strings.Replace(order, `"2026-11-20T15:01:02.123Z"`, `"yesterday"`, 1), "created_at"},
		{"bad line item kind", "POST", "/api/v1/orders", 201, jsonCT,
			strings.Replace(order, `"order_fee"`, `"tip"`, 1), "kind"},
		{"bad order status", "GET", "/api/v1/orders/o", 200, jsonCT, strings.Replace(order, `"paid"`, `"shipped"`, 1), "status"},
		{"bad category", "GET", "/api/v1/events/evt_1", 200, jsonCT, strings.Replace(event, `"sports"`, `"opera"`, 1), "category"},
		{"event detail without available", "GET", "/api/v1/events/evt_1", 200, jsonCT,
			strings.Replace(event, `, "available": 5048`, ``, 1), "available"},
		{"bad seat status", "GET", "/api/v1/events/e/seats", 200, jsonCT, strings.Replace(seatMap, `"sold"`, `"gone"`, 1), "status"},
		{"GA section without capacity", "GET", "/api/v1/events/e/seats", 200, jsonCT,
			strings.Replace(seatMap, `"capacity": 5000, `, ``, 1), "capacity"},
		{"compact bad status character", "GET", "/api/v1/events/e/seats?format=compact", 200, jsonCT,
			strings.Replace(compactSeatMap, `"ahs"`, `"ahx"`, 1), "status"},
		{"compact reserved section without rows", "GET", "/api/v1/events/e/seats?format=compact", 200, jsonCT,
			strings.Replace(compactSeatMap, `"rows": [{"name": "1", "first_seat_id": "1", "first_number": 1, "status": "ahs"}]`, `"x": 1`, 1), "rows"},
		{"compact without counts", "GET", "/api/v1/events/e/seats?format=compact", 200, jsonCT,
			strings.Replace(compactSeatMap, `"capacity": 3, "available": 1,`, ``, 1), "capacity"},
		{"compact ids without numbers", "GET", "/api/v1/events/e/seats?format=compact", 200, jsonCT,
			strings.Replace(compactSeatMap, `"status": "ahs"}`, `"status": "ahs", "seat_ids": ["9", "7", "8"]}`, 1), "numbers"},
		{"bad role", "GET", "/api/v1/me", 200, jsonCT, `{"user": {"id": "u", "email": "e", "name": "n", "role": "root"}}`, "role"},
		{"id as number", "GET", "/api/v1/me", 200, jsonCT, `{"user": {"id": 7, "email": "e", "name": "n", "role": "admin"}}`, "id"},
		{"problem without code", "POST", "/api/v1/events/evt_1/holds", 409, problemCT,
			strings.Replace(problem409, `"code": "seats_unavailable", `, ``, 1), "code"},
		{"problem with code of another status", "POST", "/api/v1/events/evt_1/holds", 409, problemCT,
			strings.Replace(problem409, `"seats_unavailable"`, `"not_found"`, 1), "code"},
		{"problem status differs", "POST", "/api/v1/events/evt_1/holds", 409, problemCT,
			strings.Replace(problem409, `"status": 409`, `"status": 400`, 1), "status"},
		{"problem as plain JSON", "POST", "/api/v1/events/evt_1/holds", 409, jsonCT, problem409, "Content-Type"},
		{"missing content type", "GET", "/api/v1/holds/h", 200, "", holdGA, "Content-Type"},
		{"not JSON", "GET", "/api/v1/holds/h", 200, jsonCT, `{"hold":`, "JSON"},
		{"undocumented status", "GET", "/api/v1/holds/h", 418, jsonCT, `{}`, "not documented"},
		{"undocumented method", "PATCH", "/api/v1/holds/h", 200, jsonCT, `{}`, "PATCH"},
		{"unknown path", "GET", "/api/v1/nope", 200, jsonCT, `{}`, "no path"},
		{"body on 204", "DELETE", "/api/v1/holds/h", 204, jsonCT, `{}`, "without a body"},
		{"checkin wrong status", "POST", "/api/v1/checkins", 200, jsonCT,
			`{"ticket_id": "t", "status": "ok", "section": "312", "row": "12", "number": 3, "event_id": "e"}`, "status"},
		{"list without next_cursor", "GET", "/api/v1/me/orders", 200, jsonCT, `{"orders": []}`, "next_cursor"},
		{"queue admitted without pass", "GET", "/api/v1/events/e/queue/q", 200, jsonCT, `{"status": "admitted"}`, "pass"},
		{"sales negative", "GET", "/api/v1/admin/events/e/sales", 200, jsonCT,
			`{"capacity": 10, "available": -1, "held": 2, "sold": 3, "orders": 2, "gross_cents": 0, "refunded_cents": 0}`, "available"},
	}
}

func TestExamples(t *testing.T) {
	t.Parallel()
	spec := apitest.Load(t, docBytes(t))
	for _, ex := range examples() {
		t.Run(ex.name, func(t *testing.T) {
			t.Parallel()
			err := spec.ValidateResponse(ex.method, ex.path, ex.status, ex.contentType, []byte(ex.body))
			switch {
			case ex.wantErr == "" && err != nil:
				t.Errorf("want it to pass, got: %v", err)
			case ex.wantErr != "" && err == nil:
				t.Errorf("want an error about %q, it passed", ex.wantErr)
			case ex.wantErr != "" && !strings.Contains(err.Error(), ex.wantErr):
				t.Errorf("want an error about %q, got: %v", ex.wantErr, err)
			}
		})
	}
}

func TestSchemasDirectly(t *testing.T) {
	t.Parallel()
	spec := apitest.Load(t, docBytes(t))
	for _, c := range []struct {
		schema, body string
		ok           bool
	}{
		{"Problem", problem409, true},
		{"Problem", `{"type": "about:blank", "title": "x", "status": 409, "request_id": "r"}`, false},
		{"Problem", `{"type": "about:blank", "title": "x", "status": 422, "code": "validation_failed", "request_id": "r",
		  "errors": [{"field": "name"}]}`, false},
		{"CreateHoldRequest", `{"seat_ids": ["a", "b"]}`, true},
		{"CreateHoldRequest", `{"section": "Floor", "quantity": 2}`, true},
		{"CreateHoldRequest", `{"best_available": true, "quantity": 2, "section": "312", "row": "12", "max_price_cents": 3000}`, true},
		{"CreateHoldRequest", `{"seat_ids": ["a"], "section": "Floor", "quantity": 2}`, false},
		{"CreateHoldRequest", `{"section": "Floor", "quantity": 2, "color": "red"}`, false},
		{"CreateOrderRequest", `{"hold_id": "h", "payment_token": "tok_visa", "delivery": "mobile",
		  "add_ons": [{"add_on_id": "a", "quantity": 1}]}`, true},
		{"CreateOrderRequest", `{"hold_id": "h", "payment_token": "tok_visa", "tip": 1}`, false},
		{"CreateVenueRequest", `{"name": "MetLife Stadium", "address": "1 MetLife Stadium Dr", "city": "East Rutherford",
		  "region": "NJ", "country": "US", "lat": 40.8135, "lon": -74.0745, "timezone": "America/New_York",
		  "sections": [{"name": "312", "rows": [{"name": "1", "seats": 24}, {"name": "2", "seats": 26}]},
		               {"name": "Floor", "general_admission": true, "capacity": 5000}]}`, true},
		{"CreateEventRequest", `{"venue_id": "v", "name": "New York Jets vs. Houston Texans", "category": "sports",
		  "description": "...", "starts_at": "2026-12-01T18:00:00Z", "onsale_at": "2026-11-20T15:00:00Z",
		  "max_tickets_per_user": 8, "currency": "USD",
		  "prices": [{"section": "312", "price_cents": 2500}, {"section": "Floor", "price_cents": 9900}],
		  "service_fee_cents": 475, "order_fee_cents": 395,
		  "add_ons": [{"name": "Gold Parking", "price_cents": 7500, "max_per_order": 1}],
		  "queue": {"enabled": false, "admit_per_minute": 600}}`, true},
		{"CreateEventRequest", `{"venue_id": "v", "name": "x", "category": "sports", "starts_at": "2026-12-01T18:00:00Z",
		  "onsale_at": "2026-11-20T15:00:00Z", "price": 1}`, false},
		{"CreateEventRequest", `{"venue_id": "v", "name": "Film", "category": "movie", "starts_at": "2026-12-01T18:00:00Z",
		  "onsale_at": "2026-11-20T15:00:00Z", "sections": ["Screen 2"], "default_price_cents": 1899}`, true},
		{"CreateEventRequest", `{"venue_id": "v", "name": "Film", "category": "movie", "starts_at": "2026-12-01T18:00:00Z",
		  "onsale_at": "2026-11-20T15:00:00Z", "sections": [], "default_price_cents": 1899}`, false},
		{"RegisterRequest", `{"email": "a@example.com", "password": "12345678", "name": "A"}`, true},
		{"RegisterRequest", `{"email": "a@example.com", "password": "short", "name": "A"}`, false},
		{"Ticket", `{"id": "t", "order_id": "o", "event_id": "e", "section": "s", "row": "1", "number": 2,
		  "barcode": "b", "status": "void", "checked_in_at": "2026-12-01T18:30:00Z"}`, true},
		{"Ticket", `{"id": "t", "order_id": "o", "event_id": "e", "section": "s", "row": "1", "number": 2,
		  "barcode": "b", "status": "used"}`, false},
	} {
		err := spec.ValidateSchema(c.schema, []byte(c.body))
		if c.ok && err != nil {
			t.Errorf("%s %s: want valid, got %v", c.schema, c.body, err)
		}
		if !c.ok && err == nil {
			t.Errorf("%s %s: want invalid, it passed", c.schema, c.body)
		}
	}
	if err := spec.ValidateSchema("NoSuchSchema", []byte(`{}`)); err == nil {
		t.Errorf("unknown schema name accepted")
	}
}

// fakeT records Errorf calls; everything else goes to the real test.
type fakeT struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func TestCheckHelpersReport(t *testing.T) {
	t.Parallel()
	spec := apitest.Load(t, docBytes(t))

	ft := &fakeT{TB: t}
	spec.CheckResponse(ft, "GET", "/api/v1/holds/h1", 200, jsonCT, []byte(strings.Replace(holdGA, `"active"`, `"bogus"`, 1)))
	if len(ft.errs) != 1 || !strings.Contains(ft.errs[0], "GET /api/v1/holds/h1 -> 200") || !strings.Contains(ft.errs[0], "status") {
		t.Errorf("CheckResponse reported %q", ft.errs)
	}

	ft = &fakeT{TB: t}
	spec.CheckResponse(ft, "GET", "/api/v1/holds/h1", 200, jsonCT, []byte(holdGA))
	req := httptest.NewRequest("POST", "/api/v1/orders", nil)
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Type", jsonCT)
	rec.WriteHeader(http.StatusCreated)
	rec.WriteString(order)
	spec.CheckRecorder(ft, req, rec)
	resp := &http.Response{StatusCode: 409, Header: http.Header{"Content-Type": {problemCT}}, Request: httptest.NewRequest("POST", "/api/v1/orders", nil)}
	spec.CheckHTTPResponse(ft, resp, []byte(`{"title": "x", "status": 409, "code": "hold_not_active", "request_id": "r", "type": "about:blank"}`))
	if len(ft.errs) != 0 {
		t.Errorf("valid responses reported: %q", ft.errs)
	}
}

func TestMatchPrefersLiteralsAndCoverage(t *testing.T) {
	t.Parallel()
	doc := `{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
	  "servers": [{"url": "https://example.com/api/v1/"}],
	  "paths": {
	    "/events/{id}": {"get": {"operationId": "byId", "responses": {"200": {"description": "ok"}}}},
	    "/events/search": {"get": {"operationId": "search", "responses": {"200": {"description": "ok"}}}},
	    "/events/{id}/{part}": {"get": {"operationId": "part", "responses": {"200": {"description": "ok"}}}},
	    "/events/{id}/seats": {"get": {"operationId": "seats", "responses": {"2XX": {"description": "ok"},
	      "default": {"description": "err", "content": {"application/problem+json": {"schema": {"type": "object", "required": ["code"]}}}}}}}
	  }}`
	spec, err := apitest.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/api/v1/events/search":          "search",
		"/api/v1/events/search?q=x":      "search",
		"/api/v1/events/evt_1":           "byId",
		"/api/v1/events/e%2F1":           "byId",
		"/api/v1/events/e1/seats":        "seats",
		"/api/v1/events/e1/offers":       "part",
		"https://h/api/v1/events/e1?a=b": "byId",
	} {
		op, ok := spec.Match("get", path)
		if !ok || op.OperationID != want {
			t.Errorf("Match(%s) = %v, %v; want %s", path, op, ok, want)
		}
	}
	for _, path := range []string{"/events/e1", "/api/v1/events", "/api/v1/events/", "/api/v1/events/e1/"} {
		if op, ok := spec.Match("GET", path); ok {
			t.Errorf("Match(%s) = %v, want no match", path, op)
		}
	}

	if err := spec.ValidateResponse("GET", "/api/v1/events/e1/seats", 204, "", nil); err != nil {
		t.Errorf("2XX range not used: %v", err)
	}
	if err := spec.ValidateResponse("GET", "/api/v1/events/e1/seats", 500, "application/problem+json", []byte(`{"code": "x"}`)); err != nil {
		t.Errorf("default not used: %v", err)
	}
	if err := spec.ValidateResponse("GET", "/api/v1/events/e1/seats", 500, "application/problem+json", []byte(`{}`)); err == nil {
		t.Errorf("default schema not applied")
	}
	if err := spec.ValidateResponse("GET", "/api/v1/events/e1", 404, "", nil); err == nil {
		t.Errorf("undocumented 404 accepted")
	}

	var covered, missing []string
	for _, op := range spec.Covered() {
		covered = append(covered, op.OperationID)
	}
	for _, op := range spec.MissingOperations() {
		missing = append(missing, op.OperationID)
	}
	sort.Strings(covered)
	sort.Strings(missing)
	if !slices.Equal(covered, []string{"byId", "seats"}) || !slices.Equal(missing, []string{"part", "search"}) {
		t.Errorf("covered %v, missing %v", covered, missing)
	}
}

// walk calls fn on every value of a decoded JSON document with its JSON pointer.
func walk(v any, at string, fn func(v any, at string)) {
	fn(v, at)
	switch c := v.(type) {
	case map[string]any:
		for k, e := range c {
			walk(e, at+"/"+strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1"), fn)
		}
	case []any:
		for i, e := range c {
			walk(e, fmt.Sprintf("%s/%d", at, i), fn)
		}
	}
}

func pointer(doc any, ptr string) (any, bool) {
	if ptr == "" {
		return doc, true
	}
	cur := doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func deref(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	for range 10 {
		obj, _ := v.(map[string]any)
		ref, ok := obj["$ref"].(string)
		if !ok {
			return obj
		}
		v, _ = pointer(doc, strings.TrimPrefix(ref, "#"))
	}
	t.Fatalf("$ref chain too long")
	return nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func keys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
