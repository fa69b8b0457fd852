// Package web is Boxoffice's server-rendered web site: buyers find events,
// pick seats on a live seat map, hold, pay and get QR-coded tickets;
// organizers set up venues and events and watch sales; gate staff check
// tickets in. Pages are html/template with embedded static assets and a
// few plain JavaScript modules, so nothing is built with Node.js and the
// Content-Security-Policy forbids inline scripts.
//
// Like httpapi, the package only translates HTTP: every rule lives in the
// domain services it calls.
package web

import (
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/gazetteer"
	"github.com/boxoffice/boxoffice/internal/httpx"
	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/queue"
	"github.com/boxoffice/boxoffice/internal/wallet"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are what the pages call.
type Deps struct {
	Accounts *account.Service
	Catalog  *catalog.Service
	Booking  *booking.Service
	// Queue runs the waiting rooms. Without it the site serves no
	// waiting-room pages, and holds on queued events are refused.
	Queue *queue.Service
	// Notify is the admins' view of the outbox: the organizer page lists
	// the messages given up on, to send them again. Nil leaves that out.
	Notify *notify.Admin
	// Mailbox is the developer mailbox, nil when it is off: then /dev/mail
	// is not served at all, as on a site that never had it.
	Mailbox notify.Mailbox
	// Wallet makes the tickets' Apple and Google Wallet passes, which every
	// valid ticket on a page offers.
	Wallet *wallet.Service
	// Places finds the city typed into "Near a city"; nil uses the
	// gazetteer built into the binary.
	Places *gazetteer.Gazetteer
	Clock  clock.Clock
	Log    *slog.Logger
	// Secret keys the CSRF tokens; every instance must share it.
	Secret []byte
	// LiveInterval is how often a live page's data is re-read (default 700ms).
	LiveInterval time.Duration
	// MaxFeeds bounds the events followed live at once by this instance.
	MaxFeeds int
	// Limit spends the gateway's rate-limit buckets of an API route for a
	// form that does its work (sign-in, sign-up, joining a queue), so the
	// pages share the API's budget; nil limits nothing.
	Limit func(r *http.Request, route, email, userID string) error
	// Wrap decorates every page's handler (telemetry, as httpapi.Deps.Wrap
	// does for the API's routes); it is given the route pattern, or
	// UnmatchedRoute for what no page matches. Nil means none.
	Wrap func(pattern string, h http.Handler) http.Handler
}

// Server is the web site's http.Handler.
type Server struct {
	Deps
	mux *http.ServeMux
	// patterns are the routes of mux, for Routes.
	patterns []string
	pages    *pages
	live     *hub
	static   http.Handler
	// unmatched answers what no page matches (the mux's own 404 or 405),
	// wrapped under UnmatchedRoute.
	unmatched http.Handler
}

// New builds the site with every page of routes.
func New(d Deps) (*Server, error) {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Clock == nil {
		d.Clock = clock.System{}
	}
	if d.LiveInterval <= 0 {
		d.LiveInterval = 700 * time.Millisecond
	}
	if d.MaxFeeds <= 0 {
		d.MaxFeeds = 200
	}
	if d.Wrap == nil {
		d.Wrap = func(_ string, h http.Handler) http.Handler { return h }
	}
	if d.Wallet == nil {
		return nil, fmt.Errorf("web: the wallet is required (ticket pages link to passes)")
	}
	if d.Places == nil {
		g, err := gazetteer.Embedded()
		if err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		d.Places = g
	}
	if len(d.Secret) < 16 {
		return nil, fmt.Errorf("web: the secret must be at least 16 bytes")
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: d, mux: http.NewServeMux(), pages: p, static: http.FileServerFS(sub)}
	s.live = newHub(d.LiveInterval, d.MaxFeeds, d.Log)
	s.unmatched = d.Wrap(UnmatchedRoute, s.mux)
	s.routes()
	return s, nil
}

// Shutdown ends every live stream, so that http.Server.Shutdown does not
// wait for connections that never go idle. Register it with
// http.Server.RegisterOnShutdown.
func (s *Server) Shutdown() { s.live.close() }

// routes lists every page and action. POSTs check the CSRF token first.
func (s *Server) routes() {
	s.handle("GET /static/", http.StripPrefix("/static/", s.cacheStatic(s.static)))
	s.get("/{$}", s.home)
	s.get("/venues/{id}", s.venuePage)
	s.get("/events/{id}", s.eventPage)
	s.get("/events/{id}/listing", s.eventListing)
	s.get("/events/{id}/layout.json", s.layout)
	s.get("/events/{id}/seats.txt", s.seatStatuses)
	s.get("/events/{id}/live", s.eventStream)
	s.post("/events/{id}/hold", s.placeHold)
	s.get("/events/{id}/queue", s.queuePage)
	s.post("/events/{id}/queue", s.joinQueue)
	s.get("/events/{id}/queue/challenge", s.queueChallenge)
	s.post("/holds/{id}/release", s.releaseHold)
	s.get("/checkout/{hold_id}", s.checkoutPage)
	s.post("/checkout/{hold_id}", s.placeOrder)
	s.get("/orders/{id}", s.orderPage)
	s.get("/me/tickets", s.myTickets)
	s.get("/tickets/{id}/qr.svg", s.ticketQR)
	s.get("/tickets/{id}/pass.pkpass", s.applePass)
	s.get("/tickets/{id}/google-wallet", s.googleWallet)

	s.get("/login", s.loginPage)
	s.post("/login", s.login)
	s.get("/signup", s.signupPage)
	s.post("/signup", s.signup)
	s.post("/logout", s.logout)

	s.get("/admin", s.adminPage)
	s.get("/admin/venues/new", s.newVenuePage)
	s.post("/admin/venues", s.createVenue)
	s.get("/admin/events/new", s.newEventPage)
	s.post("/admin/events", s.createEvent)
	s.get("/admin/events/{id}", s.editEventPage)
	s.post("/admin/events/{id}", s.updateEvent)
	s.get("/admin/events/{id}/sales", s.salesPage)
	s.get("/admin/events/{id}/sales/live", s.salesStream)
	s.post("/admin/events/{id}/cancel", s.cancelEvent)
	s.post("/admin/orders/{id}/refund", s.refundOrder)
	if s.Notify != nil {
		s.post("/admin/messages/{id}/retry", s.retryMessage)
	}
	if s.Mailbox != nil {
		s.get("/dev/mail", s.devMailList)
		s.get("/dev/mail/{id}", s.devMail)
		s.get("/dev/mail/{id}/html", s.devMailHTML)
		s.get("/dev/mail/{id}/cid/{cid}", s.devMailInline)
		s.get("/dev/mail/{id}/part/{n}", s.devMailPart)
		s.get("/dev/mail/{id}/raw", s.devMailRaw)
	}

	s.get("/gate", s.gatePage)
	s.post("/gate", s.checkIn)
	s.get("/gate/count", s.gateCountPart)
}

// Routes lists the pattern of every page and action, so that tests which
// must cover them all (the access matrix) take the list from here and
// cannot miss one added later.
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }

// handlerFunc is a page handler that returns its error for s.fail.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle registers one route, decorated by Deps.Wrap under its pattern.
func (s *Server) handle(pattern string, h http.Handler) {
	s.patterns = append(s.patterns, pattern)
	s.mux.Handle(pattern, s.Wrap(pattern, h))
}

func (s *Server) get(path string, h handlerFunc) { s.handle("GET "+path, s.wrap(h)) }

func (s *Server) post(path string, h handlerFunc) {
	s.handle("POST "+path, s.wrap(func(w http.ResponseWriter, r *http.Request) error {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := s.checkCSRF(r); err != nil {
			return err
		}
		return h(w, r)
	}))
}

func (s *Server) wrap(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// ServeHTTP sets the security headers of every page, gives the request an
// id, turns a panic into a logged, friendly 500, and writes one log line
// per request, as the API does.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx, st := withState(r.Context(), requestID(r))
	r = r.WithContext(ctx)
	sw := httpx.NewStatusRecorder(w)
	w = sw
	h := w.Header()
	h.Set("X-Request-Id", st.id)
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
	if isHTTPS(r) {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	// A request no page matches goes to the mux all the same (it answers
	// 404 or 405), but counted under one fixed route.
	next, route := http.Handler(s.mux), ""
	if _, p := s.mux.Handler(r); p == "" {
		next, route = s.unmatched, UnmatchedRoute
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.Log.ErrorContext(r.Context(), "web panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()), "path", r.URL.Path,
				"request_id", st.id)
			s.fail(w, r, fmt.Errorf("panic: %v", v))
		}
		if route == "" {
			route = r.Pattern // set by the mux on r
		}
		s.logRequest(r, st, route, sw.Status(), start)
	}()
	next.ServeHTTP(w, r)
}

// cacheStatic lets browsers keep assets for a while; they change only
// with a new binary.
func (s *Server) cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		h.ServeHTTP(w, r)
	})
}

func isHTTPS(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}
