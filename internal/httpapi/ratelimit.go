package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/config"
)

// keyKind is what a bucket counts requests by.
type keyKind int

const (
	// byAddr counts per client address (clientAddr). It is decided before
	// anything reads the body or touches the database, so a flood from one
	// address costs a map lookup per request.
	byAddr keyKind = iota
	// byEmail counts sign-ins per e-mail address from any address: the
	// brake on guessing one account's password from many machines.
	byEmail
	// byAccount counts per signed-in user. It runs after authentication
	// (the session lookup that authed would do anyway; it is cached for
	// the handler), so every session and device of a user shares one
	// bucket and a made-up token never gets a bucket of its own.
	byAccount
)

// limitRule is one bucket a route spends a token of.
type limitRule struct {
	class string // the bucket key's prefix, such as "hold_account"
	by    keyKind
	limit config.Limit
	what  string // for the problem detail: "holds for this account"
}

// limitedRoutes is the table of which route pattern spends which buckets,
// in the order they are checked: per address first, because it is the
// cheapest and the one a flood hits. A route not listed is not limited.
// POST /events/{id}/queue is the waiting room's join.
func limitedRoutes(c config.RateLimits) map[string][]limitRule {
	const v1 = "/api/v1"
	return map[string][]limitRule{
		"POST " + v1 + "/auth/login": {
			{"login_ip", byAddr, c.LoginIP, "sign-in attempts from your address"},
			{"login_email", byEmail, c.LoginEmail, "sign-in attempts for this e-mail address"}},
		"POST " + v1 + "/auth/register": {
			{"register_ip", byAddr, c.RegisterIP, "sign-ups from your address"}},
		"POST " + v1 + "/events/{id}/holds": {
			{"hold_ip", byAddr, c.HoldIP, "holds from your address"},
			{"hold_account", byAccount, c.HoldAccount, "holds for this account"}},
		"POST " + v1 + "/orders": {
			{"order_ip", byAddr, c.OrderIP, "orders from your address"},
			{"order_account", byAccount, c.OrderAccount, "orders for this account"}},
		"POST " + v1 + "/events/{id}/queue": {
			{"queue_ip", byAddr, c.QueueIP, "waiting-room joins from your address"},
			{"queue_account", byAccount, c.QueueAccount, "waiting-room joins for this account"}},
	}
}

// limiter is the gateway's rate limiting: in-memory token buckets of
// golang.org/x/time/rate, per instance (docs/architecture.md says why).
type limiter struct {
	cfg     config.RateLimits
	routes  map[string][]limitRule
	buckets *buckets
}

// newLimiter returns nil when limits are off, and then nothing is wrapped.
func newLimiter(c config.RateLimits) *limiter {
	if !c.Enabled {
		return nil
	}
	return &limiter{cfg: c, routes: limitedRoutes(c), buckets: newBuckets(c.MaxKeys)}
}

// limited puts the buckets of pattern's rules in front of h: a request
// over any of them gets 429 rate_limited with Retry-After, and h never
// runs.
func (s *Server) limited(pattern string, h handlerFunc) handlerFunc {
	if s.limits == nil {
		return h
	}
	var rules []limitRule
	for _, rl := range s.limits.routes[pattern] {
		if !rl.limit.Off() {
			rules = append(rules, rl)
		}
	}
	if len(rules) == 0 {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		now := s.Clock.Now()
		for _, rl := range rules {
			var key string
			switch rl.by {
			case byAddr:
				key = s.limits.addrKey(r)
			case byEmail:
				var err error
				if r, key, err = signInEmail(w, r); err != nil {
					return err
				}
			case byAccount:
				u, err := s.user(r)
				if err != nil {
					return err
				}
				key = u.ID
			}
			if err := s.limits.spend(rl, key, now); err != nil {
				stateFrom(r.Context()).limit = rl.class
				return err
			}
		}
		return h(w, r)
	}
}

// addrKey is the per-address bucket key of r's client, "" when that
// address is exempt.
func (l *limiter) addrKey(r *http.Request) string {
	a := clientAddr(r, l.cfg.TrustedProxies)
	if contains(l.cfg.Exempt, a) {
		return ""
	}
	return addrKey(a)
}

// spend takes a token from rl's bucket for key (nothing for key ""), or
// returns the rate_limited error that says when to come back.
func (l *limiter) spend(rl limitRule, key string, now time.Time) error {
	if key == "" {
		return nil
	}
	if wait := l.buckets.take(rl.class+"|"+key, rl.limit, now); wait > 0 {
		return &retryAfterError{after: wait, err: apperr.E(apperr.RateLimited,
			"too many %s; try again in %d s", rl.what, retrySeconds(wait))}
	}
	return nil
}

// signInEmail reads the body once, keeps it for the handler's decode, and
// returns the bucket key of the e-mail address it names, normalized as
// account.Login does ("" when there is none: the handler then rejects
// the request).
func signInEmail(w http.ResponseWriter, r *http.Request) (*http.Request, string, error) {
	b, ok := bodyFrom(r.Context())
	if !ok {
		var err error
		if b, err = readBody(w, r); err != nil {
			return r, "", err
		}
		r = r.WithContext(context.WithValue(r.Context(), keyBody, b))
	}
	var in struct {
		Email string `json:"email"`
	}
	_ = json.Unmarshal(b, &in)
	return r, emailKey(in.Email), nil
}

// emailKey is the bucket key of an e-mail address, normalized as
// account.Login does; "" for none. Keyed by a digest: a bucket's key stays
// 32 bytes however long the field a client sends, and no address is kept
// in memory as text.
func emailKey(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(email))
	return hex.EncodeToString(sum[:16])
}

// LimitForm spends, for a web form, the buckets of the API route it does
// the work of ("POST /api/v1/auth/login" for the sign-in form, and so on):
// the same budget per address, e-mail and account as the API, so the web
// pages are no way around the limits. It returns the rate_limited error
// to show, or nil; with limits off, always nil.
func (s *Server) LimitForm(r *http.Request, route, email, userID string) error {
	if s.limits == nil {
		return nil
	}
	now := s.Clock.Now()
	for _, rl := range s.limits.routes[route] {
		if rl.limit.Off() {
			continue
		}
		var key string
		switch rl.by {
		case byAddr:
			key = s.limits.addrKey(r)
		case byEmail:
			key = emailKey(email)
		case byAccount:
			key = userID
		}
		if err := s.limits.spend(rl, key, now); err != nil {
			return err
		}
	}
	return nil
}

// retryAfterError is an error that tells the client when to come back;
// writeProblem turns it into the Retry-After header.
type retryAfterError struct {
	after time.Duration
	err   error
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// retryAfter is the Retry-After value for err: its own wait, rounded up
// to whole seconds, or one second for an error that does not know.
func retryAfter(err error) string {
	var ra *retryAfterError
	if errors.As(err, &ra) {
		return strconv.Itoa(retrySeconds(ra.after))
	}
	return "1"
}

func retrySeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}
