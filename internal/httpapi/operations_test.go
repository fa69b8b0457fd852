package httpapi_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/httpapi"
)

// TestOperationalEndpoints4xx checks over real HTTP the 4xx answers the
// document gives the operational endpoints, which Redocly's lint asks
// every operation to have: the HTTP server's own 400 for a request it
// cannot read (a malformed Host header), on /healthz and /readyz, and
// /metrics' 404 on an instance without telemetry.
func TestOperationalEndpoints4xx(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	addr := strings.TrimPrefix(h.c.Base, "http://")
	for _, path := range []string{"/healthz", "/readyz"} {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: bad host\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", path, nil)
		resp, err := http.ReadResponse(bufio.NewReader(conn), req)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s with a malformed Host: %d %s", path, resp.StatusCode, body)
		}
		h.c.Spec.CheckResponse(t, "GET", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}

	off := httptest.NewServer(httpapi.New(httpapi.Deps{}))
	t.Cleanup(off.Close)
	c := apitest.NewClient(t, off.URL)
	r := c.Must(t, 404, apitest.Req{Method: "GET", Path: "/metrics"})
	h.c.Spec.CheckResponse(t, "GET", "/metrics", 404, r.Header.Get("Content-Type"), r.Body)
	if !strings.Contains(string(r.Body), `"code":"not_found"`) {
		t.Errorf("/metrics without telemetry: %s", r.Body)
	}
}
