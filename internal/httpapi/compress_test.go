package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// rawGet sends a GET with the given headers and returns the response with
// its body exactly as it came over the wire: the client sets
// Accept-Encoding itself, so Go's transport does not undo the gzip.
func (h *harness) rawGet(t *testing.T, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", h.c.Base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "identity")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("bad gzip: %v", err)
	}
	return out
}

// TestResponsesGzipped checks the compression of the API's other bodies:
// a large one is gzipped for a client that accepts it and only then, a
// small one never is and says how long it is.
func TestResponsesGzipped(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ev := h.event(t, 10, 20, 1)
	for _, c := range []struct {
		path  string
		large bool
	}{
		{"/api/v1/openapi.json", true},
		{"/api/v1/events/" + ev + "/offers?quantity=2&limit=20", true},
		{"/api/v1/events/" + ev, false},
		{"/api/v1/nope", false}, // a problem document
	} {
		plainResp, plain := h.rawGet(t, c.path, "X-Request-Id", "req_same") // the same id, so the same problem document
		zResp, z := h.rawGet(t, c.path, "X-Request-Id", "req_same", "Accept-Encoding", "br;q=1.0, gzip;q=0.8")
		if got := zResp.Header.Get("Content-Encoding") == "gzip"; got != c.large {
			t.Errorf("%s (%d bytes): gzipped %v, want %v", c.path, len(plain), got, c.large)
		}
		if plainResp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: gzipped for a client that did not ask", c.path)
		}
		// A short body is held back to decide, then sent with its length; a
		// long one the client cannot take gzipped streams as the handler
		// writes it (chunked), as it did before compression.
		if cl := plainResp.Header.Get("Content-Length"); (cl != "" || !c.large) && cl != strconv.Itoa(len(plain)) {
			t.Errorf("%s: Content-Length %q for %d bytes", c.path, cl, len(plain))
		}
		if !strings.Contains(zResp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: Vary %q", c.path, zResp.Header.Get("Vary"))
		}
		if c.large {
			if zResp.Header.Get("Content-Length") != "" && zResp.Header.Get("Content-Length") != strconv.Itoa(len(z)) {
				t.Errorf("%s: gzipped with Content-Length %s for %d bytes", c.path, zResp.Header.Get("Content-Length"), len(z))
			}
			z = gunzip(t, z)
		}
		if !bytes.Equal(z, plain) {
			t.Errorf("%s: the gzipped body differs from the plain one", c.path)
		}
		if zResp.StatusCode != plainResp.StatusCode {
			t.Errorf("%s: status %d gzipped, %d plain", c.path, zResp.StatusCode, plainResp.StatusCode)
		}
	}
	if resp, _ := h.rawGet(t, "/api/v1/openapi.json", "Accept-Encoding", "gzip;q=0, *"); resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got gzip")
	}
}
