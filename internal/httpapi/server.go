// Package httpapi is the JSON API of shared/api.md. It translates HTTP to
// calls on the domain services and their errors back to problem documents;
// it holds no business rules of its own.
package httpapi

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/gazetteer"
	"github.com/boxoffice/boxoffice/internal/httpx"
	"github.com/boxoffice/boxoffice/internal/idempotency"
	"github.com/boxoffice/boxoffice/internal/ids"
	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/queue"
	"github.com/boxoffice/boxoffice/internal/wallet"
)

//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the served OpenAPI document, for tests.
func OpenAPI() []byte { return openAPI }

// Deps are what the API calls.
type Deps struct {
	Accounts *account.Service
	Catalog  *catalog.Service
	Booking  *booking.Service
	Queue    *queue.Service
	// Notify is the admins' view of the outbox; nil leaves its routes out.
	Notify *notify.Admin
	// Wallet makes tickets' wallet passes; nil leaves their routes out.
	Wallet *wallet.Service
	// Places suggests cities (GET /places); nil leaves the route out.
	Places      *gazetteer.Gazetteer
	Idempotency idempotency.Store
	Clock       clock.Clock
	Log         *slog.Logger
	// Ready reports whether the service can serve (the database answers).
	Ready func(context.Context) error
	// Metrics serves GET /metrics; nil means 404.
	Metrics http.Handler
	// Wrap decorates every route's handler (telemetry); it is given the
	// route pattern. Nil means none.
	Wrap func(pattern string, h http.Handler) http.Handler
	// Observe, when set, is told of every finished request: its route
	// pattern, how long it took and its status (the waiting room's auto
	// mode steers by the holds' and orders').
	Observe func(pattern string, took time.Duration, status int)
	// RateLimits are the token buckets of ratelimit.go; off when not Enabled.
	RateLimits config.RateLimits
	// MaxInFlightWrites bounds the on-sale writes worked on at once, and
	// OverloadWait how long one waits for a slot before it is answered 503
	// (overload.go); 0 turns the admission control off.
	MaxInFlightWrites int
	OverloadWait      time.Duration
	// OnShed, when set, is told of every request refused for overload.
	OnShed func(pattern string)
}

// Server is the API's http.Handler.
type Server struct {
	Deps
	log    *slog.Logger
	mux    *http.ServeMux
	limits *limiter
	shed   *shedder
	gzips  *gzipPool
	// closing is closed by Shutdown: live streams end on it.
	closing   chan struct{}
	closeOnce sync.Once
	// patterns are the routes in the order routes.go lists them.
	patterns []string
}

// Routes returns the pattern of every route: the access-control matrix is
// built from it, so no route added later escapes its check.
func (s *Server) Routes() []string { return append([]string(nil), s.patterns...) }

// Shutdown ends the live streams, which never finish by themselves; call
// it when the HTTP server begins to drain.
func (s *Server) Shutdown() { s.closeOnce.Do(func() { close(s.closing) }) }

// New builds the API with every route of routes.go.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Wrap == nil {
		d.Wrap = func(_ string, h http.Handler) http.Handler { return h }
	}
	s := &Server{Deps: d, log: d.Log, mux: http.NewServeMux(), limits: newLimiter(d.RateLimits), gzips: newGzipPool(),
		shed:    newShedder(d.MaxInFlightWrites, d.OverloadWait),
		closing: make(chan struct{})}
	s.routes()
	return s
}

// ServeHTTP gives every request its state and a request id, gzips large
// responses for clients that accept it (compress.go), turns panics into a
// logged 500, and writes one log line per request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	st := &reqState{id: r.Header.Get("X-Request-Id")}
	if st.id == "" || len(st.id) > 100 {
		st.id = ids.New("req")
	}
	r = r.WithContext(context.WithValue(r.Context(), keyRequest, st))
	sw := httpx.NewStatusRecorder(w)
	sw.Header().Set("X-Request-Id", st.id)
	cw := newCompressWriter(sw, r, s.gzips)
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()), "request_id", st.id)
			if cw.discard() {
				for _, h := range []string{"Content-Encoding", "Content-Length", "ETag"} {
					sw.Header().Del(h)
				}
				s.writeProblem(sw, r, fmt.Errorf("panic: %v", v))
			}
		}
		if s.Observe != nil {
			s.Observe(r.Pattern, time.Since(start), sw.Status())
		}
		attrs := []any{"method", r.Method, "route", r.Pattern, "status", sw.Status(), "duration_ms",
			float64(time.Since(start).Microseconds()) / 1000, "request_id", st.id}
		if st.user != nil {
			attrs = append(attrs, "user_id", st.user.ID)
		}
		if st.errorCode != "" {
			attrs = append(attrs, "code", st.errorCode)
		}
		if st.limit != "" {
			attrs = append(attrs, "limit", st.limit)
		}
		s.log.InfoContext(r.Context(), "request", attrs...)
	}()
	s.mux.ServeHTTP(cw, r)
	cw.finish()
}

// handlerFunc is a handler that returns its error for writeProblem.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// userHandler is a handler for signed-in users.
type userHandler func(w http.ResponseWriter, r *http.Request, u account.User) error

func (s *Server) handle(pattern string, h handlerFunc) {
	s.patterns = append(s.patterns, pattern)
	// Admission control first: refusing costs nothing, where the
	// per-account bucket behind it reads the session.
	h = s.shedding(pattern, s.limited(pattern, h))
	s.mux.Handle(pattern, s.Wrap(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeProblem(w, r, err)
		}
	})))
}

// authed requires a signed-in user.
func (s *Server) authed(h userHandler) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.user(r)
		if err != nil {
			return err
		}
		return h(w, r, u)
	}
}

// user authenticates the request's bearer token.
func (s *Server) user(r *http.Request) (account.User, error) {
	st := stateFrom(r.Context())
	if st.user != nil {
		return *st.user, nil
	}
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return account.User{}, apperr.E(apperr.Unauthorized, "sign in: send Authorization: Bearer <token>")
	}
	u, err := s.Accounts.Authenticate(r.Context(), strings.TrimSpace(tok))
	if err != nil {
		return account.User{}, err
	}
	st.user, st.token = &u, tok
	return u, nil
}
