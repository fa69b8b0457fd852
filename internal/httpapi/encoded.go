package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// encodedBody is a JSON body encoded once and served to many requests: as
// is, or gzipped for clients that accept it, with an ETag that names its
// bytes. The seat map of a shared snapshot is one (booking.View keeps it
// until the next snapshot), so a hot seat map costs a copy of bytes, not
// an encoding of 80,879 seats.
type encodedBody struct {
	plain   []byte
	gzipped []byte // nil when plain is too short to be worth it
	etag    string
}

func newEncodedBody(plain []byte, pool *gzipPool) *encodedBody {
	sum := sha256.Sum256(plain)
	// Weak, because the gzipped bytes carry the same tag: they are the same
	// representation, only encoded for transfer.
	b := &encodedBody{plain: plain, etag: `W/"` + hex.EncodeToString(sum[:12]) + `"`}
	if len(plain) >= minCompressBytes {
		var buf bytes.Buffer
		zw := pool.get(&buf)
		_, _ = zw.Write(plain)
		_ = zw.Close()
		pool.put(zw)
		b.gzipped = buf.Bytes()
	}
	return b
}

// serve answers r with the body: 304 Not Modified if If-None-Match names
// it, else the bytes with their length, gzipped if the client accepts
// gzip. Cache-Control no-cache lets a client keep the body and ask again
// with If-None-Match, which the server then answers in a few bytes when
// nothing changed.
func (b *encodedBody) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", b.etag)
	addVary(h)
	if etagMatches(r.Header.Get("If-None-Match"), b.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := b.plain
	if b.gzipped != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = b.gzipped
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// etagMatches reports whether an If-None-Match header names etag, by the
// weak comparison that RFC 9110 §13.1.2 prescribes for it.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for part := range strings.SplitSeq(header, ",") {
		t := strings.TrimSpace(part)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}
