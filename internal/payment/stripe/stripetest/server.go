// Package stripetest is a stateful, Stripe-shaped API server for tests only
// (it imports "testing"): the endpoints the Stripe payment adapter uses, with
// Stripe's documented response and error shapes, its idempotency rules and
// its test payment methods, plus the failures a real network produces.
//
// It exists so that every layer can be tested against the same Stripe: the
// adapter's unit tests in package stripe, and end-to-end tests that start the
// real binary (boxoffice serve --payments stripe --stripe-api-url URL, with
// STRIPE_SECRET_KEY set to Key()) and then inspect the ledger to prove that
// no order was charged twice and that refunds happened. stripe-mock, Stripe's
// own mock, is stateless and cannot answer those questions.
//
// What it models:
//
//   - POST /v1/payment_intents with confirm=true and a test PaymentMethod
//     (pm_card_visa, pm_card_chargeDeclined, ...): a succeeded charge, a 402
//     card_error for a decline (the PaymentIntent is created anyway, left in
//     requires_payment_method) or requires_action for 3-D Secure cards.
//   - Idempotency: the same Idempotency-Key with the same endpoint and
//     parameters gets the stored answer again (header Idempotent-Replayed),
//     other parameters get 400 idempotency_error. Requests rejected up front
//     (400) are not stored, as with Stripe.
//   - GET /v1/payment_intents/search for metadata['order_id'], eventually
//     consistent when SetSearchDelay is used.
//   - POST /v1/refunds and GET /v1/refunds, with partial refunds.
//
// It listens on 127.0.0.1 (httptest), plain HTTP, and is safe for concurrent
// use: requests from several processes and the test's own inspection may
// happen at once. Unknown endpoints answer Stripe's 404.
package stripetest

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultStall is how long StallNextCharge holds an answer back when given no
// duration: longer than a test client's timeout should be.
const DefaultStall = 2 * time.Second

// Server is a running fake Stripe API. Create it with New; the zero value is
// not usable. All methods are safe for concurrent use.
type Server struct {
	srv  *httptest.Server
	key  string        // the secret key it accepts
	done chan struct{} // closed when the test ends, to release stalled requests

	mu          sync.Mutex
	seq         int
	intents     map[string]*intent
	order       []*intent // creation order
	refunds     []*refund // creation order
	idem        map[string]stored
	log         []Request
	failNext    int           // requests still to answer Stripe's JSON 500 before doing anything
	gatewayNext int           // requests still to answer a proxy's HTML 502 before doing anything
	slowNext    int           // charges still to make and then stall past the client's timeout
	stall       time.Duration // how long a slow charge stalls
	searchDelay time.Duration // how long a new PaymentIntent stays out of search results
	echoAuth    bool          // a 401 quotes the Authorization header, as no real server should
}

// stored is what Stripe keeps under an idempotency key.
type stored struct {
	endpoint, fingerprint string
	status                int
	body                  []byte
}

// Option configures a Server in New.
type Option func(*Server)

// WithKey makes the server accept key instead of a random one, for tests
// that need a known key (for instance to check how it is masked in logs).
func WithKey(key string) Option {
	return func(s *Server) { s.key = key }
}

// New starts a server on 127.0.0.1 and closes it when t ends (t.Cleanup).
// Without WithKey it accepts a fresh random sk_test_ key, so a client
// configured for another server is refused with a 401.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{key: "sk_test_51" + rand.Text() + rand.Text(), done: make(chan struct{}),
		intents: map[string]*intent{}, idem: map[string]stored{}, stall: DefaultStall}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(s)
	t.Cleanup(func() {
		close(s.done) // stalled charges give up, so Close need not wait for them
		s.srv.Close()
	})
	return s
}

// URL is the API base URL (http://127.0.0.1:port), for stripe.Options.APIURL
// or --stripe-api-url.
func (s *Server) URL() string { return s.srv.URL }

// Key is the secret key the server accepts (Authorization: Bearer Key()), for
// stripe.Options.SecretKey or STRIPE_SECRET_KEY. Any other key gets a 401.
func (s *Server) Key() string { return s.key }

// FailNext makes the next n requests answer Stripe's own JSON 500 api_error
// before doing anything, as in an outage. stripe-go treats Stripe's 500 as
// final (no retry), so the client sees an uncertain outcome without a charge.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// GatewayErrorNext makes the next n requests answer a proxy's HTML 502
// before doing anything. That is not Stripe's JSON, so stripe-go retries it
// with the same idempotency key: a test sees the retries in Requests.
func (s *Server) GatewayErrorNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gatewayNext = n
}

// StallNextCharge makes the next n PaymentIntents that are created (not
// replays) charge at once and then hold the answer back for d (DefaultStall
// if d <= 0) or until the client gives up. This is the dangerous case: the
// card is charged but the client times out, so only the idempotency key and
// a lookup keep a retry from charging again.
func (s *Server) StallNextCharge(n int, d time.Duration) {
	if d <= 0 {
		d = DefaultStall
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slowNext, s.stall = n, d
}

// SetSearchDelay keeps each PaymentIntent created from now on out of search
// results for d, like Stripe's eventually consistent search index (which
// usually lags by seconds, up to a minute or more in an incident).
func (s *Server) SetSearchDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.searchDelay = d
}

// EchoAuth makes a 401 quote the presented key in its message, as no real
// server should, so a test can prove the client scrubs the key from errors
// and logs.
func (s *Server) EchoAuth(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.echoAuth = on
}

// ServeHTTP answers one API request. Server is an http.Handler so that a test
// may also mount it in a server of its own.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, 400, stripeError("invalid_request_error", "", "", "Invalid request body."))
		return
	}
	s.mu.Lock()
	key := r.Header.Get("Idempotency-Key")
	s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, IdempotencyKey: key, Form: r.Form})
	entry := len(s.log) - 1
	if s.failNext > 0 {
		s.failNext--
		s.mu.Unlock()
		writeJSON(w, 500, stripeError("api_error", "", "", "Something went wrong on Stripe's end."))
		return
	}
	if s.gatewayNext > 0 {
		s.gatewayNext--
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		_, _ = w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
		return
	}
	if auth := r.Header.Get("Authorization"); auth != "Bearer "+s.key {
		msg := "Invalid API Key provided: sk_test_********************"
		if s.echoAuth {
			msg = "Invalid API Key provided: " + strings.TrimPrefix(auth, "Bearer ")
		}
		s.mu.Unlock()
		writeJSON(w, 401, stripeError("invalid_request_error", "", "", msg))
		return
	}
	var status int
	var body []byte
	stall, replayed := false, false
	switch route := r.Method + " " + r.URL.Path; route {
	case "POST /v1/payment_intents":
		status, body, replayed = s.idempotent(route, key, r.PostForm, s.createIntent)
		if !replayed && s.slowNext > 0 && status == 200 {
			s.slowNext--
			stall = true
		}
	case "POST /v1/refunds":
		status, body, replayed = s.idempotent(route, key, r.PostForm, s.createRefund)
	case "GET /v1/payment_intents/search":
		status, body = s.search(r.Form)
	case "GET /v1/refunds":
		status, body = s.listRefunds(r.Form)
	default:
		status, body = 404, mustJSON(stripeError("invalid_request_error", "", "", "Unrecognized request URL ("+route+")."))
	}
	s.log[entry].Replayed = replayed
	d := s.stall
	s.mu.Unlock()
	if stall { // charged, but the answer comes too late for the client
		select {
		case <-r.Context().Done():
			return
		case <-s.done: // the test is over: drop the connection, as a dying server would
			panic(http.ErrAbortHandler)
		case <-time.After(d):
		}
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// idempotent runs do once per key, as Stripe does: the stored answer for the
// same endpoint and parameters, 400 idempotency_error for others. s.mu is held.
func (s *Server) idempotent(endpoint, key string, form url.Values,
	do func(key string, form url.Values) (int, []byte)) (int, []byte, bool) {
	fp := form.Encode() // sorted, so parameter order does not matter
	if key != "" {
		if st, ok := s.idem[key]; ok {
			if st.endpoint != endpoint || st.fingerprint != fp {
				return 400, mustJSON(stripeError("idempotency_error", "", "", fmt.Sprintf("Keys for idempotent "+
					"requests can only be used with the same parameters they were first used with. Try using a key "+
					"other than '%s' if you meant to execute a different request.", key))), false
			}
			return st.status, st.body, true
		}
	}
	status, body := do(key, form)
	if key != "" && status != 400 { // Stripe stores what it executed, not what it rejected up front
		s.idem[key] = stored{endpoint: endpoint, fingerprint: fp, status: status, body: body}
	}
	return status, body, false
}

// newID returns a fresh object id with prefix ("pi", "ch", "re"). s.mu is held.
func (s *Server) newID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s_fake%06d", prefix, s.seq)
}
