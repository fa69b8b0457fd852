package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/app"
	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/queue"
)

// queueBenchConfig is the flags of `boxoffice bench-queue`.
type queueBenchConfig struct {
	database           string
	joiners, late      int
	waiting            int
	rate, concurrency  int
	joinRate, pollRate int
	passTTL            time.Duration
	report             string
}

// benchQueue is `boxoffice bench-queue`: the waiting room's rehearsal. It
// runs a server in this process (with a cheap password hash, so that a
// hundred thousand accounts can be made in seconds; nothing else differs
// from `serve`) and measures, over real HTTP:
//
//   - fairness: N people join the pre-queue, the sale opens, the published
//     draw is verified against its commitment, and Spearman's ρ between
//     join order and admission order is computed; M more join after the
//     opening and must be admitted first come, first served;
//   - the admission rate, as a client sees it, over every minute;
//   - passes: forged, expired, another account's and another event's are
//     all refused, and a real one works;
//   - scale: W people join an open room (joins per second, p50/p99), then
//     position polls are timed with all of them waiting.
func benchQueue(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c queueBenchConfig
	fs := flag.NewFlagSet("bench-queue", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.database, "database", "", "database (default: a temporary SQLite file)")
	fs.IntVar(&c.joiners, "joiners", 10_000, "people who join before the sale opens")
	fs.IntVar(&c.late, "late", 1_000, "people who join after it opens, one after another")
	fs.IntVar(&c.waiting, "waiting", 100_000, "people waiting in the scale test (0 skips it)")
	fs.IntVar(&c.rate, "rate", 6_000, "admit_per_minute of the fairness test")
	fs.IntVar(&c.concurrency, "concurrency", 64, "concurrent clients of the closed-loop phases")
	fs.IntVar(&c.joinRate, "join-rate", 2000, "joins per second offered in the scale test (open loop); 0 joins as fast as --concurrency clients go (closed loop)")
	fs.IntVar(&c.pollRate, "poll-rate", 3000, "position polls per second offered with everyone waiting (open loop)")
	fs.DurationVar(&c.passTTL, "pass-ttl", 20*time.Second, "pass lifetime of the server (short, to test expiry)")
	fs.StringVar(&c.report, "report", "", "write the figures as JSON to this file")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the scale test (server and clients) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "boxoffice-queue-bench-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if c.database == "" {
		c.database = "sqlite:" + filepath.Join(dir, "queue.db")
	}
	cfg := config.Defaults()
	cfg.Database, cfg.Addr, cfg.LogLevel, cfg.QueuePassTTL = c.database, "127.0.0.1:0", "warn", c.passTTL
	cfg.RateLimits.Enabled = false // the rehearsal is one client host sending a crowd's traffic
	a, err := app.New(ctx, cfg, app.Options{Hasher: account.NewTestHasher()})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.Serve(sctx, ln) }()
	defer func() { stop(); <-served }()
	b := &queueBench{c: c, a: a, cpuProfile: *cpuProfile, cl: newClient("http://" + ln.Addr().String()), out: stdout, report: map[string]any{}}
	if err := b.run(ctx); err != nil {
		return err
	}
	if c.report != "" {
		j, _ := json.MarshalIndent(b.report, "", "  ")
		if err := os.WriteFile(c.report, j, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "report: %s\n", c.report)
	}
	return nil
}

type queueBench struct {
	c      queueBenchConfig
	a      *app.App
	cl     *client
	out    io.Writer
	admin  string
	venue  string
	report map[string]any
	// cpuProfile, when set, profiles the scale test.
	cpuProfile string
	// fifoViolations counts places found waiting after a place behind
	// them was admitted.
	fifoViolations int
}

func (b *queueBench) logf(format string, args ...any) {
	fmt.Fprintf(b.out, time.Now().Format("15:04:05")+" "+format+"\n", args...)
}

// users makes n customer accounts through the service and returns their
// session tokens (not timed: set-up).
func (b *queueBench) users(ctx context.Context, prefix string, n int) ([]string, error) {
	start := time.Now()
	toks, err := makeAccounts(ctx, b.a.Accounts, prefix, n)
	if err != nil {
		return nil, err
	}
	b.logf("made %d accounts in %s", n, time.Since(start).Round(time.Millisecond))
	return toks, nil
}

// makeAccounts registers n customers (prefix0@bench.example, …) with 8
// workers and returns their session tokens, in order.
func makeAccounts(ctx context.Context, accounts *account.Service, prefix string, n int) ([]string, error) {
	toks := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Pointer[error]
	for range 8 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || firstErr.Load() != nil {
					return
				}
				_, tok, err := accounts.Register(ctx, account.Registration{Email: fmt.Sprintf("%s%d@bench.example", prefix, i),
					Password: "bench-password", Name: "Bench"})
				if err != nil {
					firstErr.CompareAndSwap(nil, &err)
					return
				}
				toks[i] = tok
			}
		})
	}
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		return nil, *e
	}
	return toks, nil
}

// event creates a GA event with a waiting room at the bench venue.
func (b *queueBench) event(ctx context.Context, name string, rate int, onsale time.Time) (string, error) {
	var ev struct {
		Event struct{ ID string } `json:"event"`
	}
	_, err := b.cl.do(ctx, "POST", "/api/v1/events", b.admin, map[string]any{"venue_id": b.venue, "name": name, "category": "concert",
		"starts_at": time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339), "onsale_at": onsale.UTC().Format(time.RFC3339Nano),
		"max_tickets_per_user": 4, "default_price_cents": 5000, "queue": map[string]any{"enabled": true, "admit_per_minute": rate}}, &ev)
	return ev.Event.ID, err
}

// joinAll joins every token to event with c.concurrency clients. It
// returns each token's place (aligned with toks), the indexes of toks in
// the order their joins completed, the latencies and the time it took.
func (b *queueBench) joinAll(ctx context.Context, event string, toks []string) ([]string, []int, []time.Duration, time.Duration, error) {
	places := make([]string, len(toks))
	order := make([]int, 0, len(toks))
	lat := make([]time.Duration, len(toks))
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Pointer[error]
	start := time.Now()
	for range b.c.concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(toks) {
					return
				}
				var st queue.Status
				t0 := time.Now()
				if _, err := b.cl.do(ctx, "POST", "/api/v1/events/"+event+"/queue", toks[i], nil, &st); err != nil {
					firstErr.CompareAndSwap(nil, &err)
					return
				}
				lat[i] = time.Since(t0)
				places[i] = st.Token
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		return nil, nil, nil, 0, *e
	}
	return places, order, lat, time.Since(start), nil
}

func (b *queueBench) run(ctx context.Context) error {
	adm, err := b.a.Accounts.CreateUser(ctx, account.User{Role: account.RoleAdmin}, account.Registration{Email: "bench-admin@bench.example",
		Password: "bench-admin-password", Name: "Bench admin", Role: account.RoleAdmin})
	if err != nil {
		return err
	}
	_, b.admin, err = b.a.Accounts.Login(ctx, adm.Email, "bench-admin-password")
	if err != nil {
		return err
	}
	var v struct {
		Venue struct{ ID string } `json:"venue"`
	}
	if _, err := b.cl.do(ctx, "POST", "/api/v1/venues", b.admin, map[string]any{"name": "Bench Arena", "address": "1 Bench Way",
		"city": "Springfield", "region": "IL", "country": "US", "lat": 39.8, "lon": -89.6, "timezone": "America/Chicago",
		"sections": []any{map[string]any{"name": "Floor", "general_admission": true, "capacity": 1000}}}, &v); err != nil {
		return err
	}
	b.venue = v.Venue.ID
	if err := b.fairness(ctx); err != nil {
		return err
	}
	if b.c.waiting > 0 {
		return b.scale(ctx)
	}
	return nil
}

// spearman is Spearman's rank correlation of two rankings of the same n
// items given as rank arrays (x[i], y[i] the ranks of item i), without ties.
func spearman(x, y []float64) float64 {
	n := float64(len(x))
	var d2 float64
	for i := range x {
		d := x[i] - y[i]
		d2 += d * d
	}
	return 1 - 6*d2/(n*(n*n-1))
}

func pctOf(ds []time.Duration, p int) time.Duration { return pct(ds, p) }

// joinFigures prints and records a join phase's throughput and latency.
func (b *queueBench) joinFigures(key string, n int, lat []time.Duration, took time.Duration) {
	rate := float64(n) / took.Seconds()
	b.logf("%s: %d joins in %s: %.0f joins/s, latency p50 %s p99 %s max %s", key, n, took.Round(time.Millisecond), rate,
		pctOf(lat, 50), pctOf(lat, 99), pctOf(lat, 100))
	b.report[key] = map[string]any{"joins": n, "seconds": took.Seconds(), "joins_per_second": math.Round(rate),
		"p50_ms": float64(pctOf(lat, 50).Microseconds()) / 1000, "p99_ms": float64(pctOf(lat, 99).Microseconds()) / 1000}
}

// sortedDurations returns a sorted copy.
func sortedDurations(ds []time.Duration) []time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

// paced calls fn(i) for i in [0, n) at rate per second, open loop: call i
// is due at start + i/rate whatever the earlier ones did, and its latency
// is counted from when it was due, so a slow server shows as latency, not
// as a slower client (no coordinated omission). It returns the latencies
// and the time the whole run took.
func paced(n, rate, workers int, fn func(i int) error) ([]time.Duration, time.Duration, error) {
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Pointer[error]
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || firstErr.Load() != nil {
					return
				}
				due := start.Add(time.Duration(i) * interval)
				time.Sleep(time.Until(due))
				if err := fn(i); err != nil {
					firstErr.CompareAndSwap(nil, &err)
					return
				}
				lat[i] = time.Since(due)
			}
		})
	}
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		return nil, 0, *e
	}
	return lat, time.Since(start), nil
}
