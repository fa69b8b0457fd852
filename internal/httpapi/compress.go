package httpapi

import (
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// minCompressBytes is the smallest body worth gzipping: below it gzip's
// 18 bytes of framing and the CPU cost more than they save.
const minCompressBytes = 1024

// gzipPool keeps gzip writers between responses: each holds a compressor
// of a few hundred kilobytes that a request would otherwise allocate.
// BestSpeed, because this machine's cores are better spent on requests:
// on JSON it still shrinks bodies five- to tenfold.
type gzipPool struct{ p sync.Pool }

func newGzipPool() *gzipPool {
	return &gzipPool{p: sync.Pool{New: func() any {
		zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
		return zw
	}}}
}

func (p *gzipPool) get(w io.Writer) *gzip.Writer {
	zw := p.p.Get().(*gzip.Writer)
	zw.Reset(w)
	return zw
}

func (p *gzipPool) put(zw *gzip.Writer) { p.p.Put(zw) }

// Compress gzips h's responses for clients that accept it (see
// compressWriter). The API does this for every route itself; the web
// pages use it too.
func Compress(h http.Handler) http.Handler {
	pool := newGzipPool()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := newCompressWriter(w, r, pool)
		h.ServeHTTP(cw, r)
		cw.finish()
	})
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip
// (RFC 9110 §12.5.3): gzip or x-gzip, or *, with a q-value above 0.
func acceptsGzip(r *http.Request) bool {
	star, gz := false, -1.0
	for _, h := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(h, ",") {
			coding, params, _ := strings.Cut(part, ";")
			q := 1.0
			if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gz = q
			case "*":
				star = q > 0
			}
		}
	}
	return gz > 0 || (gz < 0 && star)
}

// compressible lists the media types worth gzipping. Server-sent events
// are left out on purpose: each event must reach the page when it is
// written, not when a compressor's block fills.
func compressible(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case mt == "text/event-stream":
		return false
	case strings.HasPrefix(mt, "text/"), mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/javascript", mt == "image/svg+xml", mt == "application/xml":
		return true
	}
	return false
}

// compressWriter gzips a response when the client accepts gzip, the body
// is of a compressible type and at least minCompressBytes long, and the
// handler has not encoded it itself (a pre-gzipped seat map sets
// Content-Encoding). It holds back the status and the first bytes until it
// knows the body is long enough, then either compresses (dropping
// Content-Length, which no longer holds, and weakening a strong ETag) or
// sends them as they are with their Content-Length. Every response of a
// compressible type says Vary: Accept-Encoding, so caches keep the forms
// apart.
type compressWriter struct {
	w       http.ResponseWriter
	pool    *gzipPool
	accepts bool // the client accepts gzip and the request can have a compressed answer

	state   compressState
	status  int
	buf     []byte
	arr     [minCompressBytes]byte
	zw      *gzip.Writer
	written bool // the status has been sent on
}

type compressState int

const (
	undecided   compressState = iota // no status yet
	buffering                        // status held, body held below minCompressBytes
	passing                          // written as is
	compressing                      // written through zw
)

func newCompressWriter(w http.ResponseWriter, r *http.Request, pool *gzipPool) *compressWriter {
	cw := &compressWriter{w: w, pool: pool, status: http.StatusOK}
	// A range request's answer is part of one representation; gzipping it
	// would make it a part of another.
	cw.accepts = r.Method != http.MethodHead && r.Header.Get("Range") == "" && acceptsGzip(r)
	cw.buf = cw.arr[:0]
	return cw
}

func (cw *compressWriter) Header() http.Header { return cw.w.Header() }

// Unwrap lets http.ResponseController reach the connection's writer
// (deadlines); Flush stays here so that buffered bytes go first.
func (cw *compressWriter) Unwrap() http.ResponseWriter { return cw.w }

func (cw *compressWriter) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		cw.w.WriteHeader(code) // informational: passes through, the real status comes later
		return
	}
	if cw.state != undecided {
		return // like net/http, a second status is ignored
	}
	cw.status = code
	h := cw.w.Header()
	ct := h.Get("Content-Type")
	encoded := h.Get("Content-Encoding") != ""
	if !encoded && (ct == "" || compressible(ct) || code == http.StatusNotModified) {
		addVary(h)
	}
	bodyless := code == http.StatusNoContent || code == http.StatusNotModified
	switch n, err := strconv.Atoi(h.Get("Content-Length")); {
	case !cw.accepts || encoded || bodyless || (ct != "" && !compressible(ct)) || (err == nil && n < minCompressBytes):
		cw.pass()
	case err == nil: // long enough, and its length is known: no need to wait for the bytes
		cw.compress()
	default:
		cw.state = buffering
	}
}

func (cw *compressWriter) Write(p []byte) (int, error) {
	if cw.state == undecided {
		cw.WriteHeader(http.StatusOK)
	}
	switch cw.state {
	case buffering:
		if len(cw.buf)+len(p) < minCompressBytes {
			cw.buf = append(cw.buf, p...)
			return len(p), nil
		}
		cw.decide(p)
		return cw.Write(p)
	case compressing:
		return cw.zw.Write(p)
	default:
		return cw.w.Write(p)
	}
}

// decide ends buffering, with next the bytes about to be written: a body
// of a compressible type is compressed, anything else passes. Without a
// Content-Type it sniffs one, as net/http would.
func (cw *compressWriter) decide(next []byte) {
	h := cw.w.Header()
	if h.Get("Content-Type") == "" {
		if len(cw.buf)+len(next) == 0 {
			cw.pass() // nothing to tell the type by
			return
		}
		h.Set("Content-Type", http.DetectContentType(append(cw.buf[:len(cw.buf):len(cw.buf)], next...)))
	}
	if compressible(h.Get("Content-Type")) {
		cw.compress()
	} else {
		cw.pass()
	}
}

// pass sends the held status and bytes on as they are.
func (cw *compressWriter) pass() {
	cw.state = passing
	cw.w.WriteHeader(cw.status)
	cw.written = true
	if len(cw.buf) > 0 {
		_, _ = cw.w.Write(cw.buf)
		cw.buf = nil
	}
}

// compress starts the gzip stream with the held bytes.
func (cw *compressWriter) compress() {
	h := cw.w.Header()
	h.Set("Content-Encoding", "gzip")
	h.Del("Content-Length")
	if et := h.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
		h.Set("ETag", "W/"+et) // the bytes differ from the identity form's
	}
	cw.state = compressing
	cw.w.WriteHeader(cw.status)
	cw.written = true
	cw.zw = cw.pool.get(cw.w)
	if len(cw.buf) > 0 {
		_, _ = cw.zw.Write(cw.buf)
		cw.buf = nil
	}
}

// FlushError sends what is held, then flushes the connection: a handler
// that flushes wants its bytes on the wire now.
func (cw *compressWriter) FlushError() error {
	if cw.state == undecided {
		cw.WriteHeader(http.StatusOK)
	}
	if cw.state == buffering {
		cw.decide(nil)
	}
	if cw.state == compressing {
		if err := cw.zw.Flush(); err != nil {
			return err
		}
	}
	return http.NewResponseController(cw.w).Flush()
}

// finish ends the response: a short held body goes out with its length,
// and a gzip stream is closed.
func (cw *compressWriter) finish() {
	switch cw.state {
	case buffering:
		if cw.w.Header().Get("Content-Length") == "" {
			cw.w.Header().Set("Content-Length", strconv.Itoa(len(cw.buf)))
		}
		cw.pass()
	case compressing:
		_ = cw.zw.Close()
		cw.pool.put(cw.zw)
		cw.zw = nil
	}
	cw.state = passing
}

// discard forgets what the handler wrote if none of it has been sent, so
// that a panic's problem document replaces it; it reports whether it could.
func (cw *compressWriter) discard() bool {
	if cw.written {
		return false
	}
	cw.buf, cw.state = nil, passing
	return true
}

func addVary(h http.Header) {
	for _, v := range h.Values("Vary") {
		for part := range strings.SplitSeq(v, ",") {
			if p := strings.TrimSpace(part); p == "*" || strings.EqualFold(p, "Accept-Encoding") {
				return
			}
		}
	}
	h.Add("Vary", "Accept-Encoding")
}
