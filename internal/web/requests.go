package web

import (
	"context"
	"net/http"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/ids"
)

// UnmatchedRoute is the route label of a request no page matches (404, or
// 405 for a known path with another method): one fixed value, so that
// probes of made-up paths never grow the metrics' label sets or the log's
// route values.
const UnmatchedRoute = "unmatched"

type ctxKey int

const keyRequest ctxKey = iota

// reqState is what a page request gathers on its way, for its log line and
// metrics: the signed-in user once looked up, its request id, and the
// error code it ended with.
type reqState struct {
	looked bool
	user   *account.User
	token  string
	id     string
	code   apperr.Code
}

func withState(ctx context.Context, id string) (context.Context, *reqState) {
	st := &reqState{id: id}
	return context.WithValue(ctx, keyRequest, st), st
}

func stateOf(ctx context.Context) *reqState {
	st, _ := ctx.Value(keyRequest).(*reqState)
	if st == nil {
		return &reqState{}
	}
	return st
}

// RequestID returns the id of the page request ctx belongs to ("" outside
// one), for span attributes.
func RequestID(ctx context.Context) string { return stateOf(ctx).id }

// ErrorCode returns the error code a page request ended with ("" if none),
// for the errors metric.
func ErrorCode(ctx context.Context) apperr.Code { return stateOf(ctx).code }

// requestID is the caller's X-Request-Id (a load balancer's, or the trace
// id telemetry put there), or a new one: the same rule as the API's.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 100 {
		return id
	}
	return ids.New("req")
}

// logRequest writes the request's one log line, with the fields of the
// API's (docs/operations.md, "Logs").
func (s *Server) logRequest(r *http.Request, st *reqState, route string, status int, start time.Time) {
	attrs := []any{"method", r.Method, "route", route, "status", status, "duration_ms",
		float64(time.Since(start).Microseconds()) / 1000, "request_id", st.id}
	if st.user != nil {
		attrs = append(attrs, "user_id", st.user.ID)
	}
	if st.code != "" {
		attrs = append(attrs, "code", st.code)
	}
	s.Log.InfoContext(r.Context(), "request", attrs...)
}
