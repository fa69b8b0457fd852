package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/config"
)

// roles of the access matrix, in the order of each row's statuses.
var roles = [...]string{"anonymous", "other customer", "owner", "staff", "admin"}

// access is one route's row of the matrix: the request it sends (built
// from fresh objects owned by "owner" when the call changes them) and the
// status each role must get.
type access struct {
	req   func(f fixture) (path string, body any)
	want  [len(roles)]int
	fresh bool // the call changes its objects: each role gets its own
	// raw: only the status is read, unchecked by the document (an endless
	// event stream, or a path the document rightly does not describe).
	raw bool
	// session: the call ends the session it is made with, so it gets a
	// session of its own.
	session bool
}

// fixture is a set of objects owned by the "owner" customer: an event on
// sale with its venue, a paid order with its ticket, an active hold, and a
// place in a waiting room.
type fixture struct {
	event, venue, hold, order, ticket, barcode string
	queueEvent, queueToken                     string
}

const (
	anon = iota
	other
	owner
	staff
	admin
)

// TestAccessMatrix checks every route of the API for every role against
// the matrix below. The routes come from the router itself: a route added
// without a row fails this test, so none can escape the check.
func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	// Rate limits answer before access control on some routes (429 for a
	// burst of joins); this test is about who may do what.
	h := newHarness(t, func(c *config.Config) { c.RateLimits.Enabled = false })
	logins := [len(roles)][2]string{{}, {"other@example.com", "other-password"}, {"owner@example.com", "owner-password"},
		{"gate@example.com", "gate-password"}, {"root@example.com", "root-password"}}
	for i, r := range []string{"customer", "customer", "staff"} {
		h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/admin/users", Token: h.admin, Header: map[string]string{"Idempotency-Key": "user" + itoa(i)},
			Body: map[string]any{"email": logins[i+1][0], "password": logins[i+1][1], "name": "User", "role": r}})
	}
	// login opens a new session for a role.
	login := func(role int) string {
		if role == anon {
			return ""
		}
		var auth struct{ Token string }
		h.c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"email": logins[role][0], "password": logins[role][1]}}).JSON(t, &auth)
		return auth.Token
	}
	var tok [len(roles)]string
	for role := range roles {
		tok[role] = login(role)
	}

	seq := 0
	key := func() string { seq++; return "matrix-" + itoa(seq) }
	newFixture := func() fixture {
		t.Helper()
		var f fixture
		f.event = h.event(t, 2, 10, 50)
		var e struct {
			Event struct {
				VenueID string `json:"venue_id"`
			}
		}
		h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events/" + f.event}).JSON(t, &e)
		f.venue = e.Event.VenueID
		hold := func() string {
			var r struct{ Hold struct{ ID string } }
			h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + f.event + "/holds", Token: tok[owner],
				Body: map[string]any{"section": "Floor", "quantity": 1}}).JSON(t, &r)
			return r.Hold.ID
		}
		var o struct {
			Order struct {
				ID      string
				Tickets []struct{ ID, Barcode string }
			}
		}
		h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: tok[owner], Header: map[string]string{"Idempotency-Key": key()},
			Body: map[string]any{"hold_id": hold(), "payment_token": "tok_visa"}}).JSON(t, &o)
		f.order, f.ticket, f.barcode = o.Order.ID, o.Order.Tickets[0].ID, o.Order.Tickets[0].Barcode
		f.hold = hold()
		now := h.clock.Now()
		var qe struct{ Event struct{ ID string } }
		h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events", Token: h.admin, Header: map[string]string{"Idempotency-Key": key()},
			Body: map[string]any{"venue_id": f.venue, "name": "Queued", "category": "concert", "starts_at": now.Add(48 * time.Hour),
				"onsale_at": now.Add(-time.Minute), "default_price_cents": 1000, "queue": map[string]any{"enabled": true, "admit_per_minute": 60}}}).JSON(t, &qe)
		f.queueEvent = qe.Event.ID
		var q struct{ Token string }
		h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + f.queueEvent + "/queue", Token: tok[owner], Header: map[string]string{"Idempotency-Key": key()}}).JSON(t, &q)
		f.queueToken = q.Token
		return f
	}
	shared := newFixture()

	all := func(s int) [len(roles)]int { return [len(roles)]int{s, s, s, s, s} }
	signedIn := func(s int) [len(roles)]int { return [len(roles)]int{401, s, s, s, s} }
	adminOnly := func(s int) [len(roles)]int { return [len(roles)]int{401, 403, 403, 403, s} }
	ownerOrAdmin := func(s int) [len(roles)]int { return [len(roles)]int{401, 404, s, 404, s} }
	// A wallet pass is for the holder's phone: not even an admin gets one.
	ownerOnly := func(s int) [len(roles)]int { return [len(roles)]int{401, 404, s, 404, 404} }
	path := func(p string) func(fixture) (string, any) { return func(fixture) (string, any) { return p, nil } }
	newEvent := func(f fixture) map[string]any {
		now := h.clock.Now()
		return map[string]any{"venue_id": f.venue, "name": "New", "category": "concert", "starts_at": now.Add(24 * time.Hour),
			"onsale_at": now, "default_price_cents": 1000}
	}
	const v1 = "/api/v1"
	matrix := map[string]access{
		"GET /healthz":                {req: path("/healthz"), want: all(200)},
		"GET /readyz":                 {req: path("/readyz"), want: all(200)},
		"GET /metrics":                {req: path("/metrics"), want: all(200)},
		"GET " + v1 + "/openapi.json": {req: path(v1 + "/openapi.json"), want: all(200)},
		"POST " + v1 + "/auth/register": {req: func(fixture) (string, any) {
			return v1 + "/auth/register", map[string]string{"email": "new" + key() + "@example.com", "password": "new-password", "name": "New"}
		}, want: all(201)},
		"POST " + v1 + "/auth/login": {req: func(fixture) (string, any) {
			return v1 + "/auth/login", map[string]string{"email": "gate@example.com", "password": "gate-password"}
		}, want: all(200)},
		"POST " + v1 + "/auth/logout": {req: path(v1 + "/auth/logout"), want: signedIn(204), session: true},
		"GET " + v1 + "/me":           {req: path(v1 + "/me"), want: signedIn(200)},
		"PATCH " + v1 + "/me": {req: func(fixture) (string, any) { return v1 + "/me", map[string]any{"phone": "+14155550100"} },
			want: signedIn(200)},
		"POST " + v1 + "/admin/users": {req: func(fixture) (string, any) {
			return v1 + "/admin/users", map[string]string{"email": "u" + key() + "@example.com", "password": "user-password", "name": "U", "role": "customer"}
		}, want: adminOnly(201)},
		"POST " + v1 + "/venues": {req: func(fixture) (string, any) {
			return v1 + "/venues", map[string]any{"name": "V", "lat": 1, "lon": 2, "timezone": "UTC",
				"sections": []any{map[string]any{"name": "F", "general_admission": true, "capacity": 5}}}
		}, want: adminOnly(201)},
		"GET " + v1 + "/venues":             {req: path(v1 + "/venues"), want: all(200)},
		"GET " + v1 + "/venues/{id}":        {req: func(f fixture) (string, any) { return v1 + "/venues/" + f.venue, nil }, want: all(200)},
		"GET " + v1 + "/venues/{id}/events": {req: func(f fixture) (string, any) { return v1 + "/venues/" + f.venue + "/events", nil }, want: all(200)},
		"GET " + v1 + "/places":             {req: path(v1 + "/places?q=new"), want: all(200)},
		"POST " + v1 + "/events":            {req: func(f fixture) (string, any) { return v1 + "/events", newEvent(f) }, want: adminOnly(201)},
		"GET " + v1 + "/events":             {req: path(v1 + "/events"), want: all(200)},
		"GET " + v1 + "/events/{id}":        {req: func(f fixture) (string, any) { return v1 + "/events/" + f.event, nil }, want: all(200)},
		"PATCH " + v1 + "/events/{id}": {req: func(f fixture) (string, any) {
			return v1 + "/events/" + f.event, map[string]any{"description": "Updated"}
		}, want: adminOnly(200)},
		"POST " + v1 + "/events/{id}/cancel": {req: func(f fixture) (string, any) { return v1 + "/events/" + f.event + "/cancel", nil },
			want: adminOnly(200), fresh: true},
		"GET " + v1 + "/events/{id}/seats":  {req: func(f fixture) (string, any) { return v1 + "/events/" + f.event + "/seats", nil }, want: all(200)},
		"GET " + v1 + "/events/{id}/offers": {req: func(f fixture) (string, any) { return v1 + "/events/" + f.event + "/offers?quantity=1", nil }, want: all(200)},
		"GET " + v1 + "/events/{id}/queue":  {req: func(f fixture) (string, any) { return v1 + "/events/" + f.queueEvent + "/queue", nil }, want: all(200)},
		// Joining is one place per user: the owner (already in) gets the
		// same place back, 201 as the contract says.
		"POST " + v1 + "/events/{id}/queue": {req: func(f fixture) (string, any) { return v1 + "/events/" + f.queueEvent + "/queue", nil }, want: signedIn(201)},
		"GET " + v1 + "/events/{id}/queue/challenge": {req: func(f fixture) (string, any) {
			return v1 + "/events/" + f.queueEvent + "/queue/challenge", nil
		}, want: signedIn(200)},
		"GET " + v1 + "/events/{id}/queue/draw": {req: func(f fixture) (string, any) { return v1 + "/events/" + f.queueEvent + "/queue/draw", nil }, want: all(200)},
		// A place's token is its capability (unguessable, like a session
		// token): whoever holds it may poll, signed in or not.
		"GET " + v1 + "/events/{id}/queue/{token}": {req: func(f fixture) (string, any) {
			return v1 + "/events/" + f.queueEvent + "/queue/" + f.queueToken, nil
		}, want: all(200)},
		"GET " + v1 + "/events/{id}/queue/{token}/stream": {req: func(f fixture) (string, any) {
			return v1 + "/events/" + f.queueEvent + "/queue/" + f.queueToken + "/stream", nil
		}, want: all(200), raw: true},
		"POST " + v1 + "/events/{id}/holds": {req: func(f fixture) (string, any) {
			return v1 + "/events/" + f.event + "/holds", map[string]any{"section": "Floor", "quantity": 1}
		}, want: signedIn(201)},
		"GET " + v1 + "/holds/{id}":    {req: func(f fixture) (string, any) { return v1 + "/holds/" + f.hold, nil }, want: ownerOrAdmin(200)},
		"DELETE " + v1 + "/holds/{id}": {req: func(f fixture) (string, any) { return v1 + "/holds/" + f.hold, nil }, want: ownerOrAdmin(204), fresh: true},
		// Checking out someone else's hold: "no such hold" (404), as for
		// any hold one cannot see; the admin cannot pay for a buyer either.
		"POST " + v1 + "/orders": {req: func(f fixture) (string, any) {
			return v1 + "/orders", map[string]any{"hold_id": f.hold, "payment_token": "tok_visa"}
		}, want: [len(roles)]int{401, 404, 201, 404, 404}, fresh: true},
		"GET " + v1 + "/orders/{id}": {req: func(f fixture) (string, any) { return v1 + "/orders/" + f.order, nil }, want: ownerOrAdmin(200)},
		"GET " + v1 + "/me/orders":   {req: path(v1 + "/me/orders"), want: signedIn(200)},
		"POST " + v1 + "/orders/{id}/refund": {req: func(f fixture) (string, any) { return v1 + "/orders/" + f.order + "/refund", nil },
			want: adminOnly(200), fresh: true},
		"GET " + v1 + "/me/tickets":   {req: path(v1 + "/me/tickets"), want: signedIn(200)},
		"GET " + v1 + "/tickets/{id}": {req: func(f fixture) (string, any) { return v1 + "/tickets/" + f.ticket, nil }, want: ownerOrAdmin(200)},
		"GET " + v1 + "/tickets/{id}/pass.pkpass": {req: func(f fixture) (string, any) { return v1 + "/tickets/" + f.ticket + "/pass.pkpass", nil },
			want: ownerOnly(200)},
		"GET " + v1 + "/tickets/{id}/google-wallet": {req: func(f fixture) (string, any) { return v1 + "/tickets/" + f.ticket + "/google-wallet", nil },
			want: ownerOnly(200)},
		"POST " + v1 + "/checkins": {req: func(f fixture) (string, any) { return v1 + "/checkins", map[string]string{"barcode": f.barcode} },
			want: [len(roles)]int{401, 403, 403, 200, 200}, fresh: true},
		"GET " + v1 + "/events/{id}/checkins": {req: func(f fixture) (string, any) { return v1 + "/events/" + f.event + "/checkins", nil },
			want: [len(roles)]int{401, 403, 403, 200, 200}},
		"GET " + v1 + "/admin/events/{id}/sales": {req: func(f fixture) (string, any) { return v1 + "/admin/events/" + f.event + "/sales", nil },
			want: adminOnly(200)},
		"GET " + v1 + "/admin/notifications": {req: path(v1 + "/admin/notifications"), want: adminOnly(200)},
		// Each role gets a dead confirmation of its own to send again.
		"POST " + v1 + "/admin/notifications/{id}/retry": {req: func(f fixture) (string, any) {
			return v1 + "/admin/notifications/" + deadConfirmation(t, h, f.order) + "/retry", nil
		}, want: adminOnly(200), fresh: true},
		v1 + "/": {req: path(v1 + "/no/such/route"), want: all(404), raw: true},
		"/api/":  {req: path("/api/no/such/route"), want: all(404), raw: true},
	}

	routes := h.app.APIRoutes()
	checked := 0
	for _, pattern := range routes {
		row, ok := matrix[pattern]
		if !ok {
			t.Errorf("route %q has no row in the access matrix: add the answer each role must get", pattern)
			continue
		}
		delete(matrix, pattern)
		method, _, found := strings.Cut(pattern, " ")
		if !found || strings.HasPrefix(method, "/") {
			method = "GET"
		}
		for role := range roles {
			f := shared
			if row.fresh {
				f = newFixture()
			}
			p, body := row.req(f)
			token := tok[role]
			if row.session {
				token = login(role)
			}
			status := 0
			if row.raw {
				status = rawStatus(t, h, method, p, token)
			} else {
				r := h.c.Do(t, apitest.Req{Method: method, Path: p, Token: token, Body: body, Header: map[string]string{"Idempotency-Key": key()}})
				status = r.Status
				if status >= 500 {
					t.Errorf("%s as %s: %d %s", pattern, roles[role], status, r.Body)
				}
			}
			if status != row.want[role] {
				t.Errorf("%s (%s %s) as %s: %d, want %d", pattern, method, p, roles[role], status, row.want[role])
			}
			checked++
		}
	}
	for pattern := range matrix {
		t.Errorf("the matrix has a row for %q, which the router does not serve", pattern)
	}
	t.Logf("%d routes × %d roles: %d answers checked", len(routes), len(roles), checked)
}

// rawStatus sends a request and returns its status without reading the
// body (an event stream's never ends).
func rawStatus(t *testing.T, h *harness, method, path, token string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, h.c.Base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
