package httpapi

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAcceptsGzip(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		header string
		want   bool
	}{
		{"", false}, {"gzip", true}, {"GZIP", true}, {"x-gzip", true}, {"identity", false}, {"br, gzip;q=0.5", true},
		{"gzip;q=0", false}, {"gzip; q=0.0", false}, {"*", true}, {"*;q=0", false}, {"gzip;q=0, *", false},
		{"br, *;q=0.1", true}, {"deflate, br", false}, {"gzip;q=bogus", true},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if c.header != "" {
			r.Header.Set("Accept-Encoding", c.header)
		}
		if got := acceptsGzip(r); got != c.want {
			t.Errorf("Accept-Encoding %q: %v, want %v", c.header, got, c.want)
		}
	}
}

// serveCompressed runs h behind Compress for a request that accepts gzip
// (plus edit's changes) and returns the recorded response, its body
// decompressed when it came gzipped.
func serveCompressed(t *testing.T, h http.HandlerFunc, edit func(*http.Request)) (*httptest.ResponseRecorder, []byte) {
	t.Helper()
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	if edit != nil {
		edit(r)
	}
	rec := httptest.NewRecorder()
	Compress(h).ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if rec.Header().Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("not gzip: %v", err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			t.Fatalf("bad gzip: %v", err)
		}
	}
	return rec, body
}

// TestCompressWriter goes through the cases the middleware decides.
func TestCompressWriter(t *testing.T) {
	t.Parallel()
	big := strings.Repeat(`{"seat":"available"},`, 200) // 4 KB
	small := `{"ok":true}`
	for _, c := range []struct {
		name     string
		h        http.HandlerFunc
		edit     func(*http.Request)
		gzipped  bool
		body     string
		length   string // Content-Length wanted ("-" for none)
		vary     bool
		etag     string
		wantCode int
	}{
		{name: "large JSON", h: jsonHandler(big, 200), gzipped: true, body: big, length: "-", vary: true},
		{name: "small JSON", h: jsonHandler(small, 200), body: small, length: "11", vary: true},
		{name: "large JSON, client without gzip", h: jsonHandler(big, 200), edit: func(r *http.Request) { r.Header.Del("Accept-Encoding") },
			body: big, length: "-", vary: true},
		{name: "HEAD", h: jsonHandler(big, 200), edit: func(r *http.Request) { r.Method = "HEAD" }, body: big, length: "-", vary: true},
		{name: "range", h: jsonHandler(big, 200), edit: func(r *http.Request) { r.Header.Set("Range", "bytes=0-9") }, body: big, length: "-", vary: true},
		{name: "many small writes", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			for i := 0; i < len(big); i += 100 {
				_, _ = w.Write([]byte(big[i:min(i+100, len(big))]))
			}
		}, gzipped: true, body: big, length: "-", vary: true},
		{name: "known length", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Length", "4200")
			w.Header().Set("ETag", `"v1"`)
			_, _ = io.WriteString(w, big)
		}, gzipped: true, body: big, length: "-", vary: true, etag: `W/"v1"`},
		{name: "already encoded", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "br")
			_, _ = io.WriteString(w, "pretend-brotli"+big)
		}, body: "pretend-brotli" + big, length: "-"},
		{name: "image", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			_, _ = io.WriteString(w, big)
		}, body: big, length: "-"},
		{name: "sniffed HTML", h: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "<!DOCTYPE html><p>"+big)
		}, gzipped: true, body: "<!DOCTYPE html><p>" + big, length: "-", vary: true},
		{name: "not modified", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("ETag", `W/"x"`)
			w.WriteHeader(http.StatusNotModified)
		}, length: "-", vary: true, etag: `W/"x"`, wantCode: 304},
		{name: "problem", h: jsonHandler(big, 409), gzipped: true, body: big, length: "-", vary: true, wantCode: 409},
		{name: "nothing written", h: func(w http.ResponseWriter, r *http.Request) {}, length: "-"},
	} {
		rec, body := serveCompressed(t, c.h, c.edit)
		if got := rec.Header().Get("Content-Encoding") == "gzip"; got != c.gzipped {
			t.Errorf("%s: gzipped %v, want %v", c.name, got, c.gzipped)
		}
		if string(body) != c.body {
			t.Errorf("%s: body %.40q..., want %.40q...", c.name, body, c.body)
		}
		if got := rec.Header().Get("Content-Length"); (c.length == "-" && got != "") || (c.length != "-" && got != c.length) {
			t.Errorf("%s: Content-Length %q, want %q", c.name, got, c.length)
		}
		if got := strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding"); got != c.vary {
			t.Errorf("%s: Vary %q", c.name, rec.Header().Get("Vary"))
		}
		if got := rec.Header().Get("ETag"); got != c.etag {
			t.Errorf("%s: ETag %q, want %q", c.name, got, c.etag)
		}
		if want := max(c.wantCode, 200); rec.Code != want {
			t.Errorf("%s: status %d, want %d", c.name, rec.Code, want)
		}
	}
}

func jsonHandler(body string, code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// TestCompressFlush checks that a flushing handler's bytes reach the client
// when it flushes: an event stream passes as written, and a flushed JSON
// body is one gzip stream that decodes whole.
func TestCompressFlush(t *testing.T) {
	t.Parallel()
	rec, body := serveCompressed(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: 1\n\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush: %v", err)
		}
		if !recorderOf(w).Flushed || recorderOf(w).Body.String() != "data: 1\n\n" {
			t.Errorf("the event did not reach the connection at the flush")
		}
		_, _ = io.WriteString(w, strings.Repeat("data: x\n\n", 200))
	}, nil)
	if rec.Header().Get("Content-Encoding") != "" || !strings.HasPrefix(string(body), "data: 1") {
		t.Errorf("event stream: encoding %q", rec.Header().Get("Content-Encoding"))
	}

	head := `{"head":1}`
	rec, body = serveCompressed(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, head)
		_ = http.NewResponseController(w).Flush()
		if recorderOf(w).Body.Len() == 0 {
			t.Errorf("nothing reached the connection at the flush")
		}
		_, _ = io.WriteString(w, strings.Repeat("<p>more</p>", 300))
	}, nil)
	if rec.Header().Get("Content-Encoding") != "gzip" || string(body) != head+strings.Repeat("<p>more</p>", 300) {
		t.Errorf("flushed page: encoding %q, %d bytes", rec.Header().Get("Content-Encoding"), len(body))
	}
}

// recorderOf finds the recorder under a compressWriter.
func recorderOf(w http.ResponseWriter) *httptest.ResponseRecorder {
	return w.(*compressWriter).w.(*httptest.ResponseRecorder)
}

// TestPanicReplacesHeldBody checks that a handler that panics after writing
// a short body (still held by the compressor) gets a clean problem
// document, not its half-written body.
func TestPanicReplacesHeldBody(t *testing.T) {
	t.Parallel()
	s := New(Deps{})
	s.handle("GET /boom", func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("ETag", `"half"`)
		_, _ = io.WriteString(w, `{"half":`)
		panic("boom")
	})
	r := httptest.NewRequest("GET", "/boom", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, r)
	var p Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != 500 || p.Code != "internal" || rec.Header().Get("ETag") != "" {
		t.Fatalf("after a panic: %d %q (%v), ETag %q", rec.Code, rec.Body.String(), err, rec.Header().Get("ETag"))
	}
}
