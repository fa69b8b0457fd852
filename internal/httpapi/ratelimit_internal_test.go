package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/config"
)

var t0 = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)

// TestLimitedRoutesInOpenAPI: every limited operation documents its 429.
func TestLimitedRoutesInOpenAPI(t *testing.T) {
	t.Parallel()
	var doc struct {
		Paths map[string]map[string]json.RawMessage // also "parameters"
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	for pattern := range limitedRoutes(config.Defaults().RateLimits) {
		method, path, _ := strings.Cut(pattern, " ")
		raw, ok := doc.Paths[strings.TrimPrefix(path, "/api/v1")][strings.ToLower(method)]
		var op struct {
			Responses map[string]struct {
				Ref string `json:"$ref"`
			}
		}
		if !ok || json.Unmarshal(raw, &op) != nil {
			t.Errorf("%s is limited but not in openapi.json", pattern)
			continue
		}
		if op.Responses["429"].Ref != "#/components/responses/TooManyRequests" {
			t.Errorf("%s: no 429 TooManyRequests response", pattern)
		}
	}
}

// TestLimiterAnswersBeforeHandler: a request over a per-address limit is
// answered without running the handler or authenticating (the server here
// has no services at all: touching one would panic).
func TestLimiterAnswersBeforeHandler(t *testing.T) {
	t.Parallel()
	rl := config.Defaults().RateLimits
	rl.Exempt = nil
	rl.LoginIP = config.Limit{Events: 2, Per: time.Minute, Burst: 2}
	rl.HoldIP = config.Limit{Events: 1, Per: time.Minute, Burst: 1}
	s := New(Deps{Clock: clock.NewFake(t0), RateLimits: rl})
	var calls atomic.Int32
	h := s.limited("POST /api/v1/auth/login", func(w http.ResponseWriter, r *http.Request) error {
		calls.Add(1)
		var in struct{ Email, Password string }
		if err := decode(w, r, &in); err != nil || in.Email == "" {
			t.Errorf("the handler did not get the body back: %v %+v", err, in)
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeProblem(w, r, err)
		}
	}))
	defer srv.Close()
	api := httptest.NewServer(s)
	defer api.Close()
	post := func(url, auth string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", url, strings.NewReader(`{"email":"a@example.com","password":"p"}`))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for i, want := range []int{204, 204, 429, 429} {
		start := time.Now()
		if resp := post(srv.URL, ""); resp.StatusCode != want {
			t.Fatalf("login %d: %d, want %d", i, resp.StatusCode, want)
		} else if want == 429 && (resp.Header.Get("Retry-After") != "30" || time.Since(start) > time.Second) {
			t.Errorf("429 with Retry-After %q after %s", resp.Header.Get("Retry-After"), time.Since(start))
		}
	}
	if calls.Load() != 2 {
		t.Errorf("handler ran %d times, want 2", calls.Load())
	}
	// Holds: the first anonymous one spends the address's token and is
	// 401; with a token, the next is 429 before any session lookup.
	holds := api.URL + "/api/v1/events/evt_1/holds"
	if resp := post(holds, ""); resp.StatusCode != 401 {
		t.Fatalf("anonymous hold: %d", resp.StatusCode)
	}
	if resp := post(holds, "Bearer bo_anything"); resp.StatusCode != 429 {
		t.Fatalf("hold over the address limit: %d", resp.StatusCode)
	}
}

// TestBucketsUnderContention hammers one key and many keys from many
// goroutines (run with -race): each key lets exactly its burst through.
func TestBucketsUnderContention(t *testing.T) {
	t.Parallel()
	b := newBuckets(100_000)
	l := config.Limit{Events: 1, Per: time.Hour, Burst: 50}
	const workers, perWorker, keys = 32, 200, 64
	var hot atomic.Int64
	allowed := make([]atomic.Int64, keys)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				if b.take("hot", l, t0) == 0 {
					hot.Add(1)
				}
				k := (w*perWorker + i) % keys
				if b.take(fmt.Sprintf("k%d", k), l, t0) == 0 {
					allowed[k].Add(1)
				}
			}
		})
	}
	wg.Wait()
	if hot.Load() != 50 {
		t.Errorf("hot key let %d through, want its burst of 50", hot.Load())
	}
	for k := range allowed {
		if n := allowed[k].Load(); n != 50 {
			t.Errorf("key %d let %d through, want 50", k, n)
		}
	}
}

// TestBucketsBounded: a flood of distinct keys never holds more than
// MaxKeys buckets, and buckets that have refilled make way for new ones.
func TestBucketsBounded(t *testing.T) {
	t.Parallel()
	b := newBuckets(1600)
	l := config.Limit{Events: 10, Per: time.Minute, Burst: 10} // full again after a minute
	for i := range 50_000 {
		b.take(fmt.Sprintf("flood%d", i), l, t0)
	}
	if n := b.len(); n > 1600 {
		t.Errorf("%d buckets after a flood, want at most 1600", n)
	}
	later := t0.Add(2 * time.Minute)
	for i := range 800 {
		b.take(fmt.Sprintf("late%d", i), l, later)
	}
	if n := b.len(); n > 1000 {
		t.Errorf("%d buckets: the refilled ones were not dropped", n)
	}
}

// TestRetryAfterRoundsUp: Retry-After is the wait for one token, in whole
// seconds rounded up, never 0.
func TestRetryAfterRoundsUp(t *testing.T) {
	t.Parallel()
	b := newBuckets(1000)
	l := config.Limit{Events: 1, Per: time.Minute, Burst: 1}
	if w := b.take("k", l, t0); w != 0 {
		t.Fatalf("first take waits %s", w)
	}
	for _, tc := range []struct {
		after time.Duration
		want  string
	}{{0, "60"}, {30 * time.Second, "30"}, {59*time.Second + 500*time.Millisecond, "1"}, {59*time.Second + 999*time.Millisecond, "1"}} {
		w := b.take("k", l, t0.Add(tc.after))
		if got := retryAfter(&retryAfterError{after: w}); got != tc.want {
			t.Errorf("%s later: wait %s, Retry-After %s, want %s", tc.after, w, got, tc.want)
		}
	}
	if got := retryAfter(fmt.Errorf("other")); got != "1" {
		t.Errorf("an error without a wait: Retry-After %s", got)
	}
}

func TestClientAddr(t *testing.T) {
	t.Parallel()
	lb := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct {
		remote, xff string
		trusted     []netip.Prefix
		want        string
	}{
		{"203.0.113.5:4000", "", nil, "203.0.113.5"},
		{"203.0.113.5:4000", "1.2.3.4", nil, "203.0.113.5"},             // untrusted peer: header ignored
		{"203.0.113.5:4000", "1.2.3.4", lb, "203.0.113.5"},              // peer not a proxy
		{"10.0.0.2:4000", "198.51.100.1", lb, "198.51.100.1"},           // one proxy
		{"10.0.0.2:4000", "6.6.6.6, 198.51.100.1", lb, "198.51.100.1"},  // the client's own claim is ignored
		{"10.0.0.2:4000", "198.51.100.1, 10.0.0.9", lb, "198.51.100.1"}, // two proxies
		{"10.0.0.2:4000", "10.0.0.7, 10.0.0.9", lb, "10.0.0.7"},         // all proxies: the leftmost
		{"10.0.0.2:4000", "198.51.100.1, garbage", lb, "10.0.0.2"},      // garbage from beyond: the peer
		{"10.0.0.2:4000", "", lb, "10.0.0.2"},                           // no header
		{"[::ffff:203.0.113.5]:80", "", nil, "203.0.113.5"},             // mapped IPv4
		{"[2001:db8:a:b:1:2:3:4]:80", "", nil, "2001:db8:a:b::/64"},     // IPv6 by /64
		{"nonsense", "", nil, "unknown"},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := addrKey(clientAddr(r, tc.trusted)); got != tc.want {
			t.Errorf("%s with X-Forwarded-For %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}
