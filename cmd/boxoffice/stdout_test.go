package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeStdoutIsJSON checks that serve's stdout is its JSON log and
// nothing else, so a log collector can parse every line: the start-up
// banner goes to stderr (serveInProcessEnv finds the address there), and
// the log has one "request" line for an API call, a page and a 404 alike.
func TestServeStdoutIsJSON(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	db := "sqlite:" + filepath.Join(t.TempDir(), "stdout.db")
	base, stop, done := serveInProcessEnv(t, db, nil, &out, "--log-level", "info")
	for _, p := range []string{"/api/v1/events", "/", "/no-such-page"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("serve did not stop cleanly: %v", err)
	}
	routes := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		var l struct{ Msg, Route string }
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Errorf("stdout line %d is not JSON: %q", n, sc.Text())
			continue
		}
		if l.Msg == "request" {
			routes[l.Route] = true
		}
	}
	for _, r := range []string{"GET /api/v1/events", "GET /{$}", "unmatched"} {
		if !routes[r] {
			t.Errorf("no request log line for route %q; routes logged: %v", r, routes)
		}
	}
}
