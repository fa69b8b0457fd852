package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/app"
	"github.com/boxoffice/boxoffice/internal/config"
)

// flashConfig are bench-flash's settings.
type flashConfig struct {
	database     string
	clients      int
	seats        int
	overload     float64
	probe        time.Duration
	flood        time.Duration
	maxInFlight  int
	overloadWait time.Duration
	report       string
	cpuProfile   string
}

// benchFlash rehearses a flash crowd against a server in this process
// (the real app.New and HTTP on loopback; a cheap password hash so that
// the crowd's accounts are made in seconds):
//
//  1. The last seats: --clients buyers released at once at an event with
//     --seats seats left, each holding one seat and paying, retrying after
//     Retry-After when told to. Exactly --seats may be sold, no seat twice,
//     and every loser must get its 409.
//  2. Overload: the instance's capacity for holds is measured closed loop,
//     then --overload times that is offered open loop for --flood. No 5xx,
//     no timeout; what the instance cannot take is answered 503 (or 429)
//     with Retry-After, and the figures say how fast.
func benchFlash(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := flashConfig{}
	fs := flag.NewFlagSet("bench-flash", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.database, "database", "", "database (default: a temporary SQLite file)")
	fs.IntVar(&c.clients, "clients", 10_000, "buyers released at once at the last seats")
	fs.IntVar(&c.seats, "seats", 100, "seats left")
	fs.Float64Var(&c.overload, "overload", 4, "the overload phase offers this many times the measured capacity")
	fs.DurationVar(&c.probe, "probe", 5*time.Second, "how long the capacity is measured")
	fs.DurationVar(&c.flood, "flood", 10*time.Second, "how long the overload is offered")
	fs.IntVar(&c.maxInFlight, "max-inflight-writes", config.Defaults().MaxInFlightWrites, "the server's --max-inflight-writes")
	fs.DurationVar(&c.overloadWait, "overload-wait", config.Defaults().OverloadWait, "the server's --overload-wait")
	fs.StringVar(&c.report, "report", "", "write the figures as JSON to this file")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the overload phase's flood (server and clients) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r, err := runFlash(ctx, c, stdout)
	if err != nil {
		return err
	}
	if c.report != "" {
		j, _ := json.MarshalIndent(r, "", "  ")
		if err := os.WriteFile(c.report, j, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "report: %s\n", c.report)
	}
	return r.verdict()
}

// flashReport is what bench-flash found.
type flashReport struct {
	Clients, Seats int
	// The last seats.
	Sold, SeatsSoldTwice, Won, Lost, Shed503, Retries int
	Other                                             map[string]int
	LoserFirstP50ms, LoserFirstP99ms                  float64 // a loser's first answer (409 or 503)
	LoserFinalP50ms, LoserFinalP99ms                  float64 // until its 409, retries included
	BooksBalance                                      bool
	// Overload.
	CapacityPerSecond, OfferedPerSecond   float64
	Offered                               int
	Answers                               map[string]int
	ExcessP50ms, ExcessP99ms, ExcessMaxMs float64 // 503/429 answers, from when each request was due
	AdmittedP50ms, AdmittedP99ms          float64
	ServerErrors, Timeouts                int
	MissingRetryAfter                     int
}

// verdict fails the run on a broken invariant (latency figures are reported,
// not judged: this machine is shared).
func (r flashReport) verdict() error {
	var errs []error
	if r.Sold != r.Seats || r.Won != r.Seats || r.SeatsSoldTwice != 0 || !r.BooksBalance {
		errs = append(errs, fmt.Errorf("last seats: %d sold, %d buyers won, %d seats twice, books balance %v; want %d, %d, 0, true",
			r.Sold, r.Won, r.SeatsSoldTwice, r.BooksBalance, r.Seats, r.Seats))
	}
	if r.Won+r.Lost != r.Clients || len(r.Other) > 0 {
		errs = append(errs, fmt.Errorf("last seats: %d won + %d lost of %d clients, other answers %v", r.Won, r.Lost, r.Clients, r.Other))
	}
	if r.ServerErrors > 0 || r.Timeouts > 0 || r.MissingRetryAfter > 0 {
		errs = append(errs, fmt.Errorf("overload: %d 5xx, %d timeouts, %d refusals without Retry-After; want 0", r.ServerErrors, r.Timeouts, r.MissingRetryAfter))
	}
	return errors.Join(errs...)
}

type flashBench struct {
	c     flashConfig
	a     *app.App
	base  string
	http  *http.Client
	admin string
	out   io.Writer
}

func runFlash(ctx context.Context, c flashConfig, out io.Writer) (flashReport, error) {
	dir, err := os.MkdirTemp("", "boxoffice-flash-*")
	if err != nil {
		return flashReport{}, err
	}
	defer os.RemoveAll(dir)
	if c.database == "" {
		c.database = "sqlite:" + filepath.Join(dir, "flash.db")
	}
	cfg := config.Defaults()
	cfg.Database, cfg.Addr, cfg.LogLevel = c.database, "127.0.0.1:0", "error"
	cfg.MaxInFlightWrites, cfg.OverloadWait = c.maxInFlight, c.overloadWait
	// The crowd's accounts each send a handful of requests: the
	// per-account buckets never refuse them, and loopback skips the
	// per-address ones, as in every bench.
	a, err := app.New(ctx, cfg, app.Options{Hasher: account.NewTestHasher(), Log: app.NewLogger(cfg, io.Discard)})
	if err != nil {
		return flashReport{}, err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return flashReport{}, err
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.Serve(sctx, ln) }()
	defer func() { stop(); <-served }()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 20_000, 20_000
	b := &flashBench{c: c, a: a, base: "http://" + ln.Addr().String(), out: out,
		http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
	adm, err := a.Accounts.CreateUser(ctx, account.User{Role: account.RoleAdmin}, account.Registration{Email: "flash-admin@bench.example",
		Password: "flash-admin-password", Name: "Flash admin", Role: account.RoleAdmin})
	if err != nil {
		return flashReport{}, err
	}
	if _, b.admin, err = a.Accounts.Login(ctx, adm.Email, "flash-admin-password"); err != nil {
		return flashReport{}, err
	}
	r := flashReport{Clients: c.clients, Seats: c.seats, Other: map[string]int{}, Answers: map[string]int{}}
	if err := b.lastSeats(ctx, &r); err != nil {
		return r, err
	}
	if c.flood > 0 {
		if err := b.overload(ctx, &r); err != nil {
			return r, err
		}
	}
	return r, nil
}

func (b *flashBench) logf(format string, args ...any) {
	fmt.Fprintf(b.out, time.Now().Format("15:04:05")+" "+format+"\n", args...)
}

// answer is one HTTP exchange's outcome.
type answer struct {
	status     int
	code       string
	retryAfter string
	body       []byte
}

func (b *flashBench) send(ctx context.Context, method, path, token string, in any) (answer, error) {
	var body io.Reader
	if in != nil {
		j, err := json.Marshal(in)
		if err != nil {
			return answer{}, err
		}
		body = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, body)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if method == "POST" && path == "/api/v1/orders" {
		req.Header.Set("Idempotency-Key", fmt.Sprintf("flash-%p-%d", req, time.Now().UnixNano()))
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	if a.body, err = io.ReadAll(resp.Body); err != nil {
		return a, err
	}
	if a.status >= 300 {
		var p struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal(a.body, &p)
		a.code = p.Code
	}
	return a, nil
}

// accounts makes n customers through the service (set-up, not timed).
func (b *flashBench) accounts(ctx context.Context, prefix string, n int) ([]string, error) {
	return makeAccounts(ctx, b.a.Accounts, prefix, n)
}

// event makes a venue of rows × 10 seats plus a GA floor, and an event on
// sale now with a ticket limit of 4.
func (b *flashBench) event(ctx context.Context, name string, seats, floor int) (string, error) {
	var rows []any
	for i := 0; i*10 < seats; i++ {
		rows = append(rows, map[string]any{"name": fmt.Sprint(i + 1), "seats": min(10, seats-i*10)})
	}
	sections := []any{}
	if len(rows) > 0 {
		sections = append(sections, map[string]any{"name": "Stalls", "rows": rows})
	}
	if floor > 0 {
		sections = append(sections, map[string]any{"name": "Floor", "general_admission": true, "capacity": floor})
	}
	a, err := b.send(ctx, "POST", "/api/v1/venues", b.admin, map[string]any{"name": name + " Hall", "lat": 40.7, "lon": -74,
		"timezone": "America/New_York", "sections": sections})
	if err != nil || a.status != 201 {
		return "", fmt.Errorf("venue: %d %s %v", a.status, a.body, err)
	}
	var v struct{ Venue struct{ ID string } }
	_ = json.Unmarshal(a.body, &v)
	now := time.Now().UTC()
	a, err = b.send(ctx, "POST", "/api/v1/events", b.admin, map[string]any{"venue_id": v.Venue.ID, "name": name, "category": "concert",
		"starts_at": now.Add(72 * time.Hour).Format(time.RFC3339), "onsale_at": now.Add(-time.Minute).Format(time.RFC3339),
		"max_tickets_per_user": 4, "default_price_cents": 5000})
	if err != nil || a.status != 201 {
		return "", fmt.Errorf("event: %d %s %v", a.status, a.body, err)
	}
	var e struct{ Event struct{ ID string } }
	_ = json.Unmarshal(a.body, &e)
	return e.Event.ID, nil
}

// lastSeats releases every client at once at an event with c.seats seats:
// each holds one (best available) and pays; a 503 is retried after its
// Retry-After, as a well-behaved client does.
func (b *flashBench) lastSeats(ctx context.Context, r *flashReport) error {
	ev, err := b.event(ctx, "The Last Seats", b.c.seats, 0)
	if err != nil {
		return err
	}
	t0 := time.Now()
	toks, err := b.accounts(ctx, "crowd", b.c.clients)
	if err != nil {
		return err
	}
	b.logf("last seats: %d accounts made in %s; releasing them at once at %d seats", len(toks), time.Since(t0).Round(time.Millisecond), b.c.seats)
	type outcome struct {
		won          bool
		code         string
		first, final time.Duration
		retries      int
		seat         string
	}
	outs := make([]outcome, len(toks))
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(len(toks))
	var shed atomic.Int64
	for i, tok := range toks {
		done.Go(func() {
			ready.Done()
			<-start
			o := &outs[i]
			t := time.Now()
			for {
				a, err := b.send(ctx, "POST", "/api/v1/events/"+ev+"/holds", tok, map[string]any{"best_available": true, "quantity": 1})
				if o.first == 0 {
					o.first = time.Since(t)
				}
				if err != nil {
					o.code = "network: " + err.Error()
					return
				}
				if a.status == 503 && a.retryAfter != "" && o.retries < 30 {
					shed.Add(1)
					o.retries++
					time.Sleep(retryDelay(a.retryAfter, i))
					continue
				}
				o.final = time.Since(t)
				if a.status != 201 {
					o.code = fmt.Sprintf("%d %s", a.status, a.code)
					return
				}
				var h struct {
					Hold struct {
						ID    string
						Seats []struct{ ID string }
					}
				}
				_ = json.Unmarshal(a.body, &h)
				for {
					a, err = b.send(ctx, "POST", "/api/v1/orders", tok, map[string]any{"hold_id": h.Hold.ID, "payment_token": "tok_visa"})
					if err == nil && a.status == 503 && o.retries < 30 {
						shed.Add(1)
						o.retries++
						time.Sleep(retryDelay(a.retryAfter, i))
						continue
					}
					break
				}
				if err != nil || a.status != 201 {
					o.code = fmt.Sprintf("order %d %s %v", a.status, a.code, err)
					return
				}
				o.won, o.seat = true, h.Hold.Seats[0].ID
				return
			}
		})
	}
	ready.Wait()
	released := time.Now()
	close(start)
	done.Wait()
	took := time.Since(released)
	seats := map[string]int{}
	var loserFirst, loserFinal []time.Duration
	for _, o := range outs {
		r.Retries += o.retries
		switch {
		case o.won:
			r.Won++
			seats[o.seat]++
		case o.code == "409 seats_unavailable":
			r.Lost++
			loserFirst, loserFinal = append(loserFirst, o.first), append(loserFinal, o.final)
		default:
			r.Other[o.code]++
		}
	}
	for _, n := range seats {
		if n > 1 {
			r.SeatsSoldTwice++
		}
	}
	r.Shed503 = int(shed.Load())
	var sales struct{ Capacity, Available, Held, Sold int }
	a, err := b.send(ctx, "GET", "/api/v1/admin/events/"+ev+"/sales", b.admin, nil)
	if err != nil || a.status != 200 {
		return fmt.Errorf("sales: %d %v", a.status, err)
	}
	_ = json.Unmarshal(a.body, &sales)
	r.Sold, r.BooksBalance = sales.Sold, sales.Available+sales.Held+sales.Sold == sales.Capacity
	r.LoserFirstP50ms, r.LoserFirstP99ms = msOf(pct(loserFirst, 50)), msOf(pct(loserFirst, 99))
	r.LoserFinalP50ms, r.LoserFinalP99ms = msOf(pct(loserFinal, 50)), msOf(pct(loserFinal, 99))
	b.logf("last seats: %d clients in %s: %d won (%d sold, %d seats twice), %d lost with 409; %d answers were 503 and retried; "+
		"a loser's first answer p50 %.1f ms p99 %.1f ms, its 409 p50 %.1f ms p99 %.1f ms; other %v",
		len(toks), took.Round(time.Millisecond), r.Won, r.Sold, r.SeatsSoldTwice, r.Lost, r.Shed503,
		r.LoserFirstP50ms, r.LoserFirstP99ms, r.LoserFinalP50ms, r.LoserFinalP99ms, r.Other)
	return nil
}

// retryDelay honours Retry-After with some jitter, so that the refused do
// not all come back in the same millisecond.
func retryDelay(retryAfter string, i int) time.Duration {
	var s int
	if _, err := fmt.Sscan(retryAfter, &s); err != nil || s < 1 {
		s = 1
	}
	return time.Duration(s)*time.Second + time.Duration(i%500)*time.Millisecond
}

// overload measures how many holds a second the instance takes (64
// clients, closed loop, for c.probe), then offers c.overload times that,
// open loop, for c.flood, and reports how each request was answered.
func (b *flashBench) overload(ctx context.Context, r *flashReport) error {
	const accounts = 10_000
	ev, err := b.event(ctx, "The Flood", 0, 200_000)
	if err != nil {
		return err
	}
	toks, err := b.accounts(ctx, "flood", accounts)
	if err != nil {
		return err
	}
	hold := func(i int) (answer, error) {
		return b.send(ctx, "POST", "/api/v1/events/"+ev+"/holds", toks[i%accounts], map[string]any{"section": "Floor", "quantity": 1})
	}
	// Every hold here is released at once, so the floor never runs out and
	// no account reaches the ticket limit.
	release := func(a answer, tok string) {
		var h struct{ Hold struct{ ID string } }
		if a.status == 201 && json.Unmarshal(a.body, &h) == nil {
			_, _ = b.send(ctx, "DELETE", "/api/v1/holds/"+h.Hold.ID, tok, nil)
		}
	}
	var done atomic.Int64
	var wg sync.WaitGroup
	end := time.Now().Add(b.c.probe)
	for w := range 64 {
		wg.Go(func() {
			for i := w; time.Now().Before(end); i += 64 {
				a, err := hold(i)
				if err == nil && a.status == 201 {
					done.Add(1)
					release(a, toks[i%accounts])
				}
			}
		})
	}
	wg.Wait()
	r.CapacityPerSecond = math.Round(float64(done.Load()) / b.c.probe.Seconds())
	r.OfferedPerSecond = math.Round(r.CapacityPerSecond * b.c.overload)
	n := int(r.OfferedPerSecond * b.c.flood.Seconds())
	r.Offered = n
	b.logf("overload: capacity %.0f holds/s (each followed by its release) with 64 clients; offering %.0f/s for %s open loop",
		r.CapacityPerSecond, r.OfferedPerSecond, b.c.flood)
	type result struct {
		a   answer
		err error
		lat time.Duration
	}
	res := make([]result, n)
	stopProfile, err := startCPUProfile(b.c.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	interval := time.Duration(float64(time.Second) / r.OfferedPerSecond)
	start := time.Now()
	var next atomic.Int64
	for range 3000 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				due := start.Add(time.Duration(i) * interval)
				time.Sleep(time.Until(due))
				a, err := hold(i)
				res[i] = result{a, err, time.Since(due)}
				release(a, toks[i%accounts])
			}
		})
	}
	wg.Wait()
	var excess, admitted []time.Duration
	for _, x := range res {
		switch {
		case x.err != nil:
			var ne net.Error
			if errors.As(x.err, &ne) && ne.Timeout() {
				r.Timeouts++
			}
			r.Answers["network error"]++
		case x.a.status >= 500 && x.a.status != 503:
			r.ServerErrors++
			r.Answers[fmt.Sprint(x.a.status)]++
		case x.a.status == 503 || x.a.status == 429:
			if x.a.retryAfter == "" {
				r.MissingRetryAfter++
			}
			excess = append(excess, x.lat)
			r.Answers[fmt.Sprintf("%d %s", x.a.status, x.a.code)]++
		default:
			if x.a.status == 201 {
				admitted = append(admitted, x.lat)
			}
			r.Answers[fmt.Sprintf("%d %s", x.a.status, x.a.code)]++
		}
	}
	r.ExcessP50ms, r.ExcessP99ms, r.ExcessMaxMs = msOf(pct(excess, 50)), msOf(pct(excess, 99)), msOf(pct(excess, 100))
	r.AdmittedP50ms, r.AdmittedP99ms = msOf(pct(admitted, 50)), msOf(pct(admitted, 99))
	b.logf("overload: %d offered in %s: %v; refusals p50 %.1f ms p99 %.1f ms max %.1f ms (from when due); admitted p50 %.1f ms p99 %.1f ms; "+
		"%d 5xx, %d timeouts, %d refusals without Retry-After", n, time.Since(start).Round(time.Millisecond), r.Answers,
		r.ExcessP50ms, r.ExcessP99ms, r.ExcessMaxMs, r.AdmittedP50ms, r.AdmittedP99ms, r.ServerErrors, r.Timeouts, r.MissingRetryAfter)
	return nil
}
