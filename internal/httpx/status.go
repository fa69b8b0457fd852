// Package httpx holds the small pieces of HTTP plumbing that the API, the
// pages and the telemetry middleware share, so each does not keep a copy.
package httpx

import "net/http"

// StatusRecorder remembers the status a handler wrote, for the request log
// and the metrics: 200 when the handler wrote a body without a header, and
// 1xx informational headers do not count as the answer.
type StatusRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

// NewStatusRecorder wraps w.
func NewStatusRecorder(w http.ResponseWriter) *StatusRecorder {
	return &StatusRecorder{ResponseWriter: w}
}

// WriteHeader records the first final status.
func (w *StatusRecorder) WriteHeader(code int) {
	if !w.wrote && code >= 200 {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 when no status came first.
func (w *StatusRecorder) Write(b []byte) (int, error) {
	if !w.wrote {
		w.code, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

// Status is the status written so far, 200 if none was (what net/http
// sends for a handler that wrote nothing).
func (w *StatusRecorder) Status() int {
	if !w.wrote {
		return http.StatusOK
	}
	return w.code
}

// Unwrap lets http.ResponseController reach the real writer (flushing the
// live streams and server-sent events, clearing their deadlines).
func (w *StatusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
