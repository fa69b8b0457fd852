// Package twiliofake is a Twilio-shaped Messages API for tests: the
// requests the sms transport makes, answered as Twilio answers them with
// test credentials, so that the transport, the deliverer and the real
// binary (boxoffice serve --sms-provider twilio --twilio-api-url URL) can
// be tested against one provider that behaves like the real one.
//
// What it models:
//
//   - POST /2010-04-01/Accounts/{AccountSid}/Messages.json with To, Body
//     and From or MessagingServiceSid, HTTP basic auth with the account SID
//     and auth token: 201 and the Message resource ("queued", or "accepted"
//     through a messaging service), and Twilio's error answers
//     {"code","message","more_info","status"}: 401 20003 for wrong
//     credentials, 404 20404 for another account's path, 400 21604 (no To),
//     21603 (no From), 21602 (no Body), 21617 (over 1600 characters), 21211
//     (To not E.164), 21212 (From invalid).
//   - Twilio's magic test numbers (see the constants): To +15005550001
//     invalid, …02 cannot route, …03 no permission, …04 blocked, …09 not
//     SMS-capable; From …01 invalid, …07 not owned, …08 queue full, …06 and
//     every other valid number pass.
//   - GET …/Messages/{Sid}.json and the list GET …/Messages.json (newest
//     first, To and From filters, Page and PageSize).
//   - A token bucket per account (WithRateLimit) answering 429 20429 with a
//     Retry-After header, and injected failures: the next n requests answer
//     a 5xx (FailNext) or hang until the client gives up (HangNext).
//
// Accepted messages are kept for the test to read (Messages). A Server is
// safe for concurrent use.
package twiliofake

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// Message is one message the fake accepted.
type Message struct {
	SID                 string // SM…
	AccountSID          string
	To                  string
	From                string // "" when sent through a messaging service
	MessagingServiceSID string
	Body                string
	Status              string // "queued", or "accepted" through a messaging service
	Created             time.Time
}

// Request is one request the fake answered, for tests that count retries
// or 429s.
type Request struct {
	Method, Path string
	To           string // the form's To, if any
	Status       int    // the HTTP status answered (0 for a hang the client gave up on)
	Code         int    // Twilio's error code, 0 on success
}

// Server is a fake Twilio API. Make one with New (listening) or
// NewHandler (an http.Handler to mount).
type Server struct {
	sid, token string
	now        func() time.Time
	srv        *httptest.Server
	done       chan struct{} // closed by Close, to release hung requests
	closeOnce  sync.Once

	mu         sync.Mutex
	limiter    *rate.Limiter // nil: no rate limit
	messages   []Message
	bySID      map[string]int
	log        []Request
	failNext   int
	failStatus int
	hangNext   int
}

// Option configures a Server.
type Option func(*Server)

// WithCredentials makes the server accept this account SID and auth
// token instead of random ones.
func WithCredentials(accountSID, authToken string) Option {
	return func(s *Server) { s.sid, s.token = accountSID, authToken }
}

// WithRateLimit lets perSecond messages a second through on average and
// burst at once; the others get 429 20429. Off by default.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(s *Server) { s.limiter = rate.NewLimiter(rate.Limit(perSecond), burst) }
}

// WithClock gives the server a clock, for message times and the rate
// limit (time.Now by default).
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// NewHandler returns a server that is not listening: mount it, and Close
// it when done so that hung requests end.
func NewHandler(opts ...Option) *Server {
	s := &Server{sid: "AC" + randomHex(16), token: randomHex(16), now: time.Now, done: make(chan struct{}), bySID: map[string]int{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// New starts a server on 127.0.0.1 and closes it when t ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := NewHandler(opts...)
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

// Close releases hung requests and, for a server from New, stops
// listening.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		if s.srv != nil {
			s.srv.Close()
		}
	})
}

// URL is the API's base URL (http://127.0.0.1:port), for --twilio-api-url;
// "" for a server from NewHandler.
func (s *Server) URL() string {
	if s.srv == nil {
		return ""
	}
	return s.srv.URL
}

// AccountSID is the account the server knows (--twilio-account-sid).
func (s *Server) AccountSID() string { return s.sid }

// AuthToken is the account's token (TWILIO_AUTH_TOKEN).
func (s *Server) AuthToken() string { return s.token }

// Messages returns the accepted messages, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Requests returns every request answered so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// FailNext makes the next n requests answer status (500 when 0) before
// anything else is looked at, as in an outage: nothing is sent.
func (s *Server) FailNext(n, status int) {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext, s.failStatus = n, status
}

// HangNext makes the next n requests hang, unsent, until the client gives
// up (its timeout or context) or the server closes.
func (s *Server) HangNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hangNext = n
}

// SetRateLimit changes the rate limit (see WithRateLimit); perSecond <= 0
// turns it off.
func (s *Server) SetRateLimit(perSecond float64, burst int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limiter = nil
	if perSecond > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(perSecond), burst)
	}
}

// answer is what an endpoint decided: a status, a JSON body, headers.
type answer struct {
	status int
	body   any
	header map[string]string
	code   int // Twilio's error code, for the request log
}

// ServeHTTP answers one API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm() // a broken body reads as missing parameters, as Twilio's does
	s.mu.Lock()
	entry := len(s.log)
	s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, To: r.PostForm.Get("To")})
	var a answer
	hang := false
	switch {
	case s.hangNext > 0:
		s.hangNext--
		hang = true
	case s.failNext > 0:
		s.failNext--
		a = twilioError(s.failStatus, 20000+s.failStatus, failMessage(s.failStatus))
	default:
		a = s.route(r)
	}
	s.log[entry].Status, s.log[entry].Code = a.status, a.code
	s.mu.Unlock()
	if hang {
		select {
		case <-r.Context().Done():
			return
		case <-s.done: // the test is over: drop the connection, as a dying server would
			panic(http.ErrAbortHandler)
		}
	}
	writeJSON(w, a)
}

func failMessage(status int) string {
	if status == http.StatusServiceUnavailable {
		return "Service Unavailable"
	}
	return "An internal server error has occurred"
}

// route checks the credentials and the path and calls the endpoint.
// s.mu is held.
func (s *Server) route(r *http.Request) answer {
	user, pass, ok := r.BasicAuth()
	if !ok || user != s.sid || pass != s.token {
		return twilioError(http.StatusUnauthorized, 20003, "Authenticate")
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/2010-04-01/Accounts/"+s.sid+"/")
	if !ok {
		return notFound(r.URL.Path)
	}
	switch {
	case rest == "Messages.json" && r.Method == http.MethodPost:
		return s.create(r.PostForm)
	case rest == "Messages.json" && r.Method == http.MethodGet:
		return s.list(r.Form, r.URL.Path)
	case strings.HasPrefix(rest, "Messages/") && strings.HasSuffix(rest, ".json") && r.Method == http.MethodGet:
		return s.fetch(strings.TrimSuffix(strings.TrimPrefix(rest, "Messages/"), ".json"), r.URL.Path)
	case rest == "Messages.json" || strings.HasPrefix(rest, "Messages/"):
		return twilioError(http.StatusMethodNotAllowed, 20004, "Method not allowed")
	}
	return notFound(r.URL.Path)
}

func notFound(path string) answer {
	return twilioError(http.StatusNotFound, 20404, "The requested resource "+path+" was not found")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
