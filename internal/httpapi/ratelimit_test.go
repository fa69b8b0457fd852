package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/config"
)

// behindProxy trusts loopback as a load balancer, so a test names the
// client address in X-Forwarded-For. Requests without the header still
// come from loopback, which stays exempt: the harness's own set-up calls
// are not counted.
func behindProxy(c *config.Config) {
	c.RateLimits.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

func from(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }

func login(email, password, ip string) apitest.Req {
	return apitest.Req{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"email": email, "password": password}, Header: from(ip)}
}

// mustLimited checks a 429 of the contract and returns its Retry-After.
func mustLimited(t *testing.T, r *apitest.Response) int {
	t.Helper()
	if r.Status != http.StatusTooManyRequests || r.Code() != "rate_limited" {
		t.Fatalf("got %d %s, want 429 rate_limited: %s", r.Status, r.Code(), r.Body)
	}
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After %q, want whole seconds >= 1", r.Header.Get("Retry-After"))
	}
	return secs
}

// TestLoginRateLimit: wrong passwords in a row are 401 until a bucket is
// empty, then 429 with the real wait; other clients are not affected,
// and the 429s are counted as expected errors.
func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, behindProxy)
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/auth/register",
		Body: map[string]string{"email": "victim@example.com", "password": "right-password", "name": "V"}})

	// 13 wrong passwords for one account from one address: the e-mail's
	// bucket (5/m, burst 10) runs out first.
	for i := 1; i <= 13; i++ {
		r := h.c.Do(t, login("victim@example.com", "wrong-password", "203.0.113.10"))
		if i <= 10 {
			if r.Status != 401 {
				t.Fatalf("attempt %d: %d %s, want 401", i, r.Status, r.Body)
			}
			continue
		}
		if secs := mustLimited(t, r); secs != 12 {
			t.Errorf("attempt %d: Retry-After %d, want 12 (one token of 5 a minute)", i, secs)
		}
	}
	// A different client signing in to a different account is not affected.
	if r := h.c.Do(t, login("someone@example.com", "wrong-password", "203.0.113.11")); r.Status != 401 {
		t.Errorf("another address: %d %s, want 401", r.Status, r.Body)
	}
	// Once Retry-After has passed there is a token again.
	h.clock.Advance(12 * time.Second)
	if r := h.c.Do(t, login("victim@example.com", "right-password", "203.0.113.10")); r.Status != 200 {
		t.Errorf("after Retry-After: %d %s, want 200", r.Status, r.Body)
	}

	// Many accounts from one address: the address's bucket (10/m, burst
	// 20) runs out, and only for that address.
	for i := 1; i <= 21; i++ {
		r := h.c.Do(t, login(fmt.Sprintf("guess%d@example.com", i), "wrong-password", "198.51.100.7"))
		if i <= 20 && r.Status != 401 {
			t.Fatalf("address attempt %d: %d %s, want 401", i, r.Status, r.Body)
		}
		if i == 21 {
			if secs := mustLimited(t, r); secs != 6 {
				t.Errorf("Retry-After %d, want 6 (one token of 10 a minute)", secs)
			}
		}
	}
	// IPv6 clients are one bucket per /64.
	for i := range 21 {
		r := h.c.Do(t, login(fmt.Sprintf("v6-%d@example.com", i), "wrong-password", fmt.Sprintf("2001:db8:1:2::%x", i+1)))
		if (i < 20) != (r.Status == 401) {
			t.Fatalf("IPv6 attempt %d: %d %s", i+1, r.Status, r.Body)
		}
	}

	resp, err := http.Get(h.c.Base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	found := false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "boxoffice_http_errors_total{") && strings.Contains(line, `code="rate_limited"`) {
			found = true
			if !strings.Contains(line, `class="expected"`) || !strings.Contains(line, `route="POST /api/v1/auth/login"`) {
				t.Errorf("rate_limited counted as %s", line)
			}
		}
	}
	if !found {
		t.Errorf("no rate_limited errors in /metrics")
	}
}

// TestHoldAndOrderRateLimits: the per-account buckets follow the user
// across addresses and leave other users alone; the per-address bucket
// stops every account behind one address.
func TestHoldAndOrderRateLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, behindProxy, func(c *config.Config) {
		c.RateLimits.HoldAccount = config.Limit{Events: 3, Per: time.Minute, Burst: 3}
		c.RateLimits.HoldIP = config.Limit{Events: 5, Per: time.Minute, Burst: 5}
		c.RateLimits.OrderAccount = config.Limit{Events: 1, Per: time.Minute, Burst: 1}
	})
	ev := h.event(t, 1, 10, 50)
	a, b := h.buyer(t), h.buyer(t)
	hold := func(token, ip string) *apitest.Response {
		return h.c.Do(t, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: token,
			Body: map[string]any{"section": "Floor", "quantity": 1}, Header: from(ip)})
	}
	var holds []string
	for range 3 {
		var out struct{ Hold struct{ ID string } }
		r := hold(a, "198.51.100.1")
		if r.Status != 201 {
			t.Fatalf("hold: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &out)
		holds = append(holds, out.Hold.ID)
	}
	if secs := mustLimited(t, hold(a, "198.51.100.2")); secs != 20 {
		t.Errorf("account's Retry-After %d, want 20", secs)
	}
	for i := range 2 {
		if r := hold(b, "198.51.100.1"); r.Status != 201 {
			t.Fatalf("another account's hold %d: %d %s", i, r.Status, r.Body)
		}
	}
	r := hold(b, "198.51.100.1") // the address's sixth
	mustLimited(t, r)
	if !strings.Contains(string(r.Body), "address") {
		t.Errorf("the address's bucket should answer: %s", r.Body)
	}
	if r := hold(b, "198.51.100.3"); r.Status != 201 {
		t.Errorf("from another address: %d %s", r.Status, r.Body)
	}
	if c := h.sales(t, ev); c.Held != 6 {
		t.Errorf("held %d, want 6", c.Held)
	}
	order := func(holdID string) *apitest.Response {
		return h.c.Do(t, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: a, Header: from("198.51.100.1"),
			Body: map[string]any{"hold_id": holdID, "payment_token": "tok_visa"}})
	}
	if r := order(holds[0]); r.Status != 201 {
		t.Fatalf("order: %d %s", r.Status, r.Body)
	}
	mustLimited(t, order(holds[1]))
}

// TestRateLimitsOff: --rate-limits=false never answers 429, whatever the
// limits say.
func TestRateLimitsOff(t *testing.T) {
	t.Parallel()
	one := config.Limit{Events: 1, Per: time.Hour, Burst: 1}
	h := newHarness(t, behindProxy, func(c *config.Config) {
		c.RateLimits.Enabled = false
		c.RateLimits.Exempt = nil
		c.RateLimits.LoginIP, c.RateLimits.LoginEmail, c.RateLimits.HoldAccount, c.RateLimits.HoldIP = one, one, one, one
	})
	ev := h.event(t, 1, 10, 50)
	buyer := h.buyer(t)
	for i := range 15 {
		if r := h.c.Do(t, login("root@example.com", "wrong-password", "203.0.113.1")); r.Status != 401 {
			t.Fatalf("login %d: %d %s", i, r.Status, r.Body)
		}
	}
	for i := range 5 {
		r := h.c.Do(t, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: buyer,
			Body: map[string]any{"section": "Floor", "quantity": 1}, Header: from("203.0.113.1")})
		if r.Status != 201 {
			t.Fatalf("hold %d: %d %s", i, r.Status, r.Body)
		}
	}
}

// TestRateLimitFlashCrowd sends four times what the buckets allow at once
// from one address (sign-ins) and one account (holds): exactly the
// allowance goes through, every other request is a quick 429, none is a
// 5xx or times out.
func TestRateLimitFlashCrowd(t *testing.T) {
	t.Parallel()
	h := newHarness(t, behindProxy, func(c *config.Config) {
		c.RateLimits.HoldAccount = config.Limit{Events: 10, Per: time.Minute, Burst: 10}
	})
	ev := h.event(t, 1, 10, 200)
	buyer := h.buyer(t)
	client := &http.Client{Timeout: 10 * time.Second}
	crowd := func(n int, req func(i int) *http.Request) (statuses map[int]int, slowest429 time.Duration) {
		var mu sync.Mutex
		statuses = map[int]int{}
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				r := req(i)
				start := time.Now()
				resp, err := client.Do(r)
				if err != nil {
					t.Errorf("request %d: %v", i, err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				took := time.Since(start)
				if err := h.c.Spec.ValidateResponse(r.Method, r.URL.RequestURI(), resp.StatusCode, resp.Header.Get("Content-Type"), b); err != nil {
					t.Errorf("request %d: %v", i, err)
				}
				mu.Lock()
				defer mu.Unlock()
				statuses[resp.StatusCode]++
				if resp.StatusCode == 429 {
					slowest429 = max(slowest429, took)
					if ra, _ := strconv.Atoi(resp.Header.Get("Retry-After")); ra < 1 {
						t.Errorf("429 with Retry-After %q", resp.Header.Get("Retry-After"))
					}
				}
			})
		}
		wg.Wait()
		return statuses, slowest429
	}
	post := func(path, token string, body any) *http.Request {
		b, _ := json.Marshal(body)
		r, _ := http.NewRequest("POST", h.c.Base+path, bytes.NewReader(b))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Forwarded-For", "192.0.2.50")
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		return r
	}

	// Sign-ins: the address's burst is 20; 80 arrive at once.
	st, slow := crowd(80, func(i int) *http.Request {
		return post("/api/v1/auth/login", "", map[string]string{"email": fmt.Sprintf("crowd%d@example.com", i), "password": "wrong-password"})
	})
	if st[401] != 20 || st[429] != 60 || len(st) != 2 {
		t.Errorf("sign-in crowd: statuses %v, want 20×401 and 60×429", st)
	}
	// Holds: the account's burst is 10; 40 arrive at once. The ten that
	// pass hold a seat each, up to the event's limit of 8 per buyer.
	st2, slow2 := crowd(40, func(int) *http.Request {
		return post("/api/v1/events/"+ev+"/holds", buyer, map[string]any{"section": "Floor", "quantity": 1})
	})
	if st2[201]+st2[409] != 10 || st2[429] != 30 || len(st2) > 3 {
		t.Errorf("hold crowd: statuses %v, want 10 through (201 or 409) and 30×429", st2)
	}
	for code := range st2 {
		if code >= 500 {
			t.Errorf("hold crowd: %d×%d", st2[code], code)
		}
	}
	if worst := max(slow, slow2); worst > 2*time.Second {
		t.Errorf("slowest 429 took %s", worst)
	}
	t.Logf("slowest 429: sign-ins %s, holds %s", slow, slow2)
}

// TestQueueJoinRateLimit: the waiting room's join is limited per address
// before authentication. It runs once the queue routes are registered.
func TestQueueJoinRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, behindProxy, func(c *config.Config) {
		c.RateLimits.QueueIP = config.Limit{Events: 2, Per: time.Minute, Burst: 2}
	})
	join := apitest.Req{Method: "POST", Path: "/api/v1/events/evt_none/queue", Header: from("192.0.2.9")}
	if r := h.c.Do(t, join); r.Status == 404 && r.Code() == "not_found" {
		t.Skip("POST /api/v1/events/{id}/queue is not registered yet")
	} else if r.Status != 401 {
		t.Fatalf("anonymous join: %d %s, want 401", r.Status, r.Body)
	}
	h.c.Must(t, 401, join)
	mustLimited(t, h.c.Do(t, join))
}
