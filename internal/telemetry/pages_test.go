package telemetry_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestWebPagesCountedAndLogged checks over real HTTP that the web pages are
// in the request metrics and the request log as the API's routes are: by
// route pattern, a page that fails as an error with its code, and every
// request no page matches (made-up paths, a made-up method) under the one
// label "unmatched", never its raw path or method.
func TestWebPagesCountedAndLogged(t *testing.T) {
	in := start(t, false)
	event, _ := in.event(t, 3, 10)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ids := map[string]string{} // request id -> "METHOD path"
	get := func(method, path string, want int) {
		t.Helper()
		req, err := http.NewRequest(method, in.url+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d", method, path, resp.StatusCode, want)
		}
		id := resp.Header.Get("X-Request-Id")
		if id == "" {
			t.Fatalf("%s %s: no X-Request-Id", method, path)
		}
		ids[id] = method + " " + path
	}
	get("GET", "/", 200)
	get("GET", "/events/"+event, 200)
	get("GET", "/static/app.css", 200)
	get("GET", "/events/evt_missing", 404)
	get("GET", "/no-such-page-1", 404)
	get("GET", "/no-such-page-2/deeper", 404)
	get("PUT", "/login", 405)
	get("BREW", "/no-such-page-3", 404)
	get("GET", "/api/nope", 404)

	fams := in.scrape(t)
	const dur = "boxoffice_http_request_duration_seconds"
	for _, c := range []struct {
		route, method, status string
		n                     float64
	}{
		{"GET /{$}", "GET", "2xx", 1},
		{"GET /events/{id}", "GET", "2xx", 1},
		{"GET /events/{id}", "GET", "4xx", 1},
		{"GET /static/", "GET", "2xx", 1},
		{"unmatched", "GET", "4xx", 2},
		{"unmatched", "PUT", "4xx", 1},
		{"unmatched", "other", "4xx", 1},
		{"/api/", "GET", "4xx", 1},
	} {
		if got := value(t, fams, dur, map[string]string{"route": c.route, "method": c.method, "status": c.status}); got != c.n {
			t.Errorf("%s{route=%q,method=%q,status=%q} = %v, want %v", dur, c.route, c.method, c.status, got, c.n)
		}
	}
	if got := value(t, fams, "boxoffice_http_errors_total", map[string]string{"route": "GET /events/{id}", "code": "not_found", "class": "expected"}); got != 1 {
		t.Errorf("errors of the event page = %v, want 1 not_found", got)
	}
	if got := sum(fams, "boxoffice_http_errors_total", map[string]string{"route": "unmatched", "class": "expected"}); got != 4 {
		t.Errorf("errors of unmatched = %v, want 4", got)
	}
	for _, f := range []string{dur, "boxoffice_http_errors_total"} {
		for _, m := range fams[f].GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), "no-such-page") || strings.Contains(l.GetValue(), "evt_missing") || strings.Contains(l.GetValue(), "nope") || l.GetValue() == "BREW" {
					t.Errorf("%s has a raw path or method as a label: %s=%q", f, l.GetName(), l.GetValue())
				}
			}
		}
	}

	// One log line per request, with the route pattern, the status and the
	// request id the response named.
	type line struct {
		Msg       string  `json:"msg"`
		Method    string  `json:"method"`
		Route     string  `json:"route"`
		Status    int     `json:"status"`
		RequestID string  `json:"request_id"`
		Code      string  `json:"code"`
		Duration  float64 `json:"duration_ms"`
	}
	logged := map[string]line{}
	sc := bufio.NewScanner(strings.NewReader(in.logs.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l line
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "request" {
			if _, dup := logged[l.RequestID]; dup && ids[l.RequestID] != "" {
				t.Errorf("request %s logged twice", l.RequestID)
			}
			logged[l.RequestID] = l
		}
	}
	want := map[string]line{
		"GET /":                      {Route: "GET /{$}", Status: 200},
		"GET /events/" + event:       {Route: "GET /events/{id}", Status: 200},
		"GET /static/app.css":        {Route: "GET /static/", Status: 200},
		"GET /events/evt_missing":    {Route: "GET /events/{id}", Status: 404, Code: "not_found"},
		"GET /no-such-page-1":        {Route: "unmatched", Status: 404},
		"GET /no-such-page-2/deeper": {Route: "unmatched", Status: 404},
		"PUT /login":                 {Route: "unmatched", Status: 405},
		"BREW /no-such-page-3":       {Route: "unmatched", Status: 404},
		"GET /api/nope":              {Route: "/api/", Status: 404, Code: "not_found"},
	}
	for id, req := range ids {
		l, ok := logged[id]
		if !ok {
			t.Errorf("%s (request %s) wrote no log line", req, id)
			continue
		}
		w := want[req]
		method, _, _ := strings.Cut(req, " ")
		if l.Method != method || l.Route != w.Route || l.Status != w.Status || l.Code != w.Code || l.Duration <= 0 {
			t.Errorf("%s logged %+v, want route %q status %d code %q", req, l, w.Route, w.Status, w.Code)
		}
	}
}
