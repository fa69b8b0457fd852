package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/store"
)

// benchConfig is the flags of `boxoffice bench`.
type benchConfig struct {
	url, adminEmail, adminPassword string
	buyers, quantity               int
	venue                          string
	payLatency                     time.Duration
	maxOrders                      int
	database                       string
	// instances is how many servers to start on database; urls are the
	// servers the buyers are spread over, servers those this bench started.
	instances int
	urls      []string
	servers   []*benchServer
	// ceiling measures the bare hold transaction on database first.
	ceiling         bool
	ceilingDuration time.Duration
	ceilingWriters  int
	ceilingSeats    int // 0: the demo stadium's; smaller in tests
	// readersRate is the background reads per second (0: none).
	readersRate, readersMaxInFlight int
	// readersSeatFormat is the seat map form the readers ask for.
	readersSeatFormat string
	report            string
}

// bench runs the on-sale benchmark: it starts a server (or uses --url),
// creates an event at the demo stadium, and lets N concurrent buyers hold
// best-available pairs and pay for them until the event is sold out. It
// then checks that no seat was sold twice and reports throughput, latency
// and the server's peak memory.
//
// Before the servers start it times the bare hold transaction on the same
// database (bench_ceiling.go), so that the service's throughput can be read
// as a share of what the database alone does; during the sale it can add
// an open-loop load of anonymous readers (bench_readers.go). Everything is
// written to a JSON report with a per-second series, and an SVG chart.
func bench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var c benchConfig
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.url, "url", "", "base URL of a running server, or several separated by commas (default: start --instances servers)")
	fs.StringVar(&c.database, "database", "", "database for the started server (default: a temporary SQLite file)")
	fs.StringVar(&c.adminEmail, "admin-email", "admin@example.com", "admin account that creates the bench event")
	fs.StringVar(&c.adminPassword, "admin-password", "boxoffice-admin", "its password")
	fs.IntVar(&c.buyers, "buyers", 200, "concurrent buyers")
	fs.IntVar(&c.quantity, "quantity", 2, "seats per best-available hold")
	fs.StringVar(&c.venue, "venue", "MetLife Stadium", "name of the venue to sell out")
	fs.DurationVar(&c.payLatency, "payment-latency", 0, "simulated payment provider latency of the started server")
	fs.IntVar(&c.maxOrders, "max-orders", 0, "stop after this many orders (0: until sold out)")
	fs.IntVar(&c.instances, "instances", 1, "servers to start on --database (more than one needs postgres://…); buyers are spread over them")
	fs.BoolVar(&c.ceiling, "ceiling", true, "first time the bare hold transaction on the same database, in scratch tables (needs --database with --url)")
	fs.DurationVar(&c.ceilingDuration, "ceiling-duration", 10*time.Second, "how long the ceiling's writers run (less if every pair is claimed first)")
	fs.IntVar(&c.ceilingWriters, "ceiling-writers", 0, "concurrent writers of the ceiling (0: 32 connections on PostgreSQL; 2 on SQLite, through its one writer connection)")
	fs.StringVar(&c.readersSeatFormat, "readers-seat-format", "compact", "seat map form the readers ask for: compact (a status string per row, what a map page needs) or full")
	fs.IntVar(&c.readersRate, "readers-rate", 0, "background reads per second during the sale, open loop, half seat maps and half offers (0: none)")
	fs.IntVar(&c.readersMaxInFlight, "readers-max-inflight", 256, "most background reads out at once; one due beyond that is dropped and counted")
	fs.StringVar(&c.report, "report", "bench-report.json", "write the JSON report here, and its SVG chart beside it with .svg (\"\": neither)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.readersSeatFormat != "compact" && c.readersSeatFormat != "full" {
		return fmt.Errorf("--readers-seat-format must be compact or full")
	}
	if c.readersRate < 0 || c.readersMaxInFlight < 1 {
		return fmt.Errorf("--readers-rate must be 0 or more and --readers-max-inflight at least 1")
	}
	rep := &benchReport{Config: reportConfig{Flags: map[string]string{}, LoadAvgStart: loadAvg(), StartedAt: time.Now().UTC(),
		PaymentLatency: c.payLatency.String()}}
	rep.Config.buildInfo()
	fs.VisitAll(func(f *flag.Flag) { rep.Config.Flags[f.Name] = f.Value.String() })
	rep.Config.Flags["admin-password"] = "(set)" // a secret, even the demo's
	if c.database != "" {
		rep.Config.Flags["database"] = config.MaskURL(c.database)
	}
	if c.url != "" {
		c.urls = strings.Split(c.url, ",")
	} else {
		if c.instances > 1 && !strings.HasPrefix(c.database, "postgres") {
			return fmt.Errorf("--instances %d needs --database postgres://…: the instances share one database", c.instances)
		}
		if c.database == "" {
			dir, err := os.MkdirTemp("", "boxoffice-bench-*")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			c.database = "sqlite:" + filepath.Join(dir, "bench.db")
		}
	}
	if engine, _, err := store.ParseURL(c.database); err == nil {
		rep.Config.Database, rep.Config.DatabaseURL = string(engine), config.MaskURL(c.database)
	}
	switch {
	case !c.ceiling:
		rep.CeilingSkipped = "--ceiling=false"
	case c.database == "":
		rep.CeilingSkipped = "--url without --database: the database is not known"
		fmt.Fprintf(stdout, "ceiling: skipped (%s)\n", rep.CeilingSkipped)
	default:
		// Before any server runs: the database is the bench's alone.
		r, err := runCeiling(ctx, c, stdout)
		if err != nil {
			return err
		}
		rep.Ceiling = r
	}
	if c.url == "" {
		// One after another: the first loads the demo data into an empty
		// database, the others find it there.
		for range max(1, c.instances) {
			srv, err := startBenchServer(ctx, c, stderr)
			if err != nil {
				return err
			}
			defer srv.stop()
			c.urls = append(c.urls, srv.url)
			c.servers = append(c.servers, srv)
		}
		defer func() {
			for i, srv := range c.servers {
				fmt.Fprintf(stdout, "server %d peak RSS: %s\n", i+1, srv.peakRSS())
			}
		}()
	}
	c.url = c.urls[0]
	return runBench(ctx, c, rep, stdout)
}

// salesFigures is the admin's sales summary of the bench event.
type salesFigures struct {
	Capacity, Available, Held, Sold, Orders int
}

type benchStats struct {
	start     time.Time // the sale's opening, when the buyers start
	mu        sync.Mutex
	holdLat   []timedLat // every hold request
	orderLat  []timedLat // every order request
	seats     map[string]int
	orders    atomic.Int64
	holds     atomic.Int64 // holds made
	lost      atomic.Int64 // seats_unavailable: a race lost, expected
	failures  atomic.Int64 // anything unexpected
	firstFail atomic.Value
}

func runBench(ctx context.Context, c benchConfig, rep *benchReport, out io.Writer) error {
	clients := make([]*client, len(c.urls))
	for i, u := range c.urls {
		clients[i] = newClient(u)
	}
	cl := clients[0]
	var login struct {
		Token string `json:"token"`
	}
	if _, err := cl.do(ctx, "POST", "/api/v1/auth/login", "", map[string]string{"email": c.adminEmail, "password": c.adminPassword}, &login); err != nil {
		return fmt.Errorf("admin login: %w", err)
	}
	var venues struct {
		Venues []struct {
			ID       string `json:"id"`
			Name     string `json:"name"`
			Capacity int    `json:"capacity"`
		} `json:"venues"`
	}
	if _, err := cl.do(ctx, "GET", "/api/v1/venues?q="+strings.ReplaceAll(c.venue, " ", "%20"), "", nil, &venues); err != nil || len(venues.Venues) == 0 {
		return fmt.Errorf("find venue %q: %v", c.venue, err)
	}
	v := venues.Venues[0]
	now := time.Now().UTC()
	var ev struct {
		Event struct {
			ID string `json:"id"`
		} `json:"event"`
	}
	_, err := cl.do(ctx, "POST", "/api/v1/events", login.Token, map[string]any{"venue_id": v.ID, "name": "Bench on-sale " + now.Format(time.RFC3339),
		"category": "sports", "starts_at": now.Add(48 * time.Hour), "onsale_at": now.Add(-time.Minute), "max_tickets_per_user": 100,
		"default_price_cents": 5000, "service_fee_cents": 475, "order_fee_cents": 395}, &ev)
	if err != nil {
		return fmt.Errorf("create bench event: %w", err)
	}
	// Each buyer account may own 100 tickets; make enough of them, before
	// the clock starts, for every seat plus one spare per worker.
	perUser := 100 / c.quantity * c.quantity
	users := make([]string, v.Capacity/perUser+2*c.buyers)
	fmt.Fprintf(out, "bench: %s (%d places), event %s; registering %d buyers...\n", v.Name, v.Capacity, ev.Event.ID, len(users))
	regStart := time.Now()
	if err := registerUsers(ctx, cl, users); err != nil {
		return err
	}
	fmt.Fprintf(out, "bench: registered in %s; %d buyers start now\n", time.Since(regStart).Round(time.Millisecond), c.buyers)
	start := time.Now()
	st := &benchStats{seats: map[string]int{}, start: start}
	var next atomic.Int64
	var wg sync.WaitGroup
	var rd *readers
	if c.readersRate > 0 {
		rd = startReaders(ctx, c.urls, ev.Event.ID, c.readersSeatFormat, c.readersRate, c.readersMaxInFlight, start)
	}
	pids := make([]int, len(c.servers))
	for i, srv := range c.servers {
		pids[i] = srv.cmd.Process.Pid
	}
	rss := startRSS(pids, start)
	progressDone := make(chan struct{})
	defer close(progressDone)
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-progressDone:
				return
			case <-t.C:
				n := st.orders.Load()
				fmt.Fprintf(out, "  %5.0fs: %d orders (%.0f/s)\n", time.Since(start).Seconds(), n, float64(n)/time.Since(start).Seconds())
			}
		}
	}()
	for w := 0; w < c.buyers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buyer(ctx, clients[w%len(clients)], c, ev.Event.ID, users, &next, st)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if rd != nil {
		rd.stop()
	}
	rss.stop()

	var sales salesFigures
	if _, err := cl.do(ctx, "GET", "/api/v1/admin/events/"+ev.Event.ID+"/sales", login.Token, nil, &sales); err != nil {
		return fmt.Errorf("sales: %w", err)
	}
	oversold := 0
	for _, n := range st.seats {
		if n > 1 {
			oversold++
		}
	}
	orders := st.orders.Load()
	holdLat, orderLat := durations(st.holdLat), durations(st.orderLat)
	fmt.Fprintf(out, "sold %d of %d places in %d orders in %s: %.0f orders/s, %.0f tickets/s\n", sales.Sold, sales.Capacity, orders,
		elapsed.Round(time.Millisecond), float64(orders)/elapsed.Seconds(), float64(sales.Sold)/elapsed.Seconds())
	fmt.Fprintf(out, "hold latency  p50 %s  p90 %s  p99 %s  max %s  (n=%d)\n", pct(holdLat, 50), pct(holdLat, 90), pct(holdLat, 99), pct(holdLat, 100), len(holdLat))
	fmt.Fprintf(out, "order latency p50 %s  p90 %s  p99 %s  max %s  (n=%d)\n", pct(orderLat, 50), pct(orderLat, 90), pct(orderLat, 99), pct(orderLat, 100), len(orderLat))
	fmt.Fprintf(out, "lost races (409 seats_unavailable): %d; unexpected failures: %d\n", st.lost.Load(), st.failures.Load())
	fmt.Fprintf(out, "oversold seats: %d; tickets issued %d; sales says sold %d, available %d, held %d\n", oversold, len(st.seats), sales.Sold, sales.Available, sales.Held)
	if f := st.firstFail.Load(); f != nil {
		fmt.Fprintf(out, "first unexpected failure: %v\n", f)
	}
	balanced := oversold == 0 && len(st.seats) == sales.Sold && sales.Available+sales.Held+sales.Sold == sales.Capacity
	rep.finish(c, st, sales, elapsed, oversold, balanced, rd, rss, out)
	rep.Config.Venue, rep.Config.Capacity, rep.Config.EventID = v.Name, v.Capacity, ev.Event.ID
	if c.report != "" {
		chart, err := writeReport(c.report, rep)
		if err != nil {
			return fmt.Errorf("write the report: %w", err)
		}
		fmt.Fprintf(out, "report: %s; chart: %s\n", c.report, chart)
	}
	if !balanced {
		err := fmt.Errorf("invariant broken: oversold %d, tickets %d vs sold %d", oversold, len(st.seats), sales.Sold)
		if oversold == 0 && len(st.seats) < sales.Sold && st.failures.Load() > 0 {
			// An order whose answer the client gave up on may still have
			// been paid: its tickets are sold but not counted here.
			err = fmt.Errorf("%w (%d requests failed: an order whose answer was lost, as on a timeout, may still have been paid, "+
				"its tickets sold but not counted here; no seat was seen twice)", err, st.failures.Load())
		}
		return err
	}
	return nil
}

func registerUsers(ctx context.Context, cl *client, users []string) error {
	var wg sync.WaitGroup
	var firstErr atomic.Value
	sem := make(chan struct{}, 16)
	stamp := time.Now().UnixNano()
	for i := range users {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var r struct {
				Token string `json:"token"`
			}
			_, err := cl.do(ctx, "POST", "/api/v1/auth/register", "", map[string]string{"email": fmt.Sprintf("bench-%d-%d@example.com", stamp, i),
				"password": "bench-password", "name": "Bench buyer"}, &r)
			if err != nil {
				firstErr.CompareAndSwap(nil, err)
			}
			users[i] = r.Token
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return fmt.Errorf("register buyers: %w", err)
	}
	return nil
}

// buyer holds and pays until nothing is left. When pairs run out it tries
// single seats, so that the event really sells out.
func buyer(ctx context.Context, cl *client, c benchConfig, eventID string, users []string, next *atomic.Int64, st *benchStats) {
	user := users[next.Add(1)-1]
	qty := c.quantity
	for ctx.Err() == nil {
		if c.maxOrders > 0 && st.orders.Load() >= int64(c.maxOrders) {
			return
		}
		var h struct {
			Hold struct {
				ID string `json:"id"`
			} `json:"hold"`
		}
		t0 := time.Now()
		code, err := cl.do(ctx, "POST", "/api/v1/events/"+eventID+"/holds", user, map[string]any{"best_available": true, "quantity": qty}, &h)
		st.record(&st.holdLat, t0, code == "")
		switch code {
		case "":
			st.holds.Add(1)
		case "seats_unavailable":
			st.lost.Add(1)
			if qty > 1 {
				qty = 1 // no pairs left: sweep up single seats
				continue
			}
			return
		case "ticket_limit_exceeded":
			i := next.Add(1) - 1
			if int(i) >= len(users) {
				return
			}
			user = users[i]
			continue
		default:
			st.fail(err)
			continue
		}
		var o struct {
			Order struct {
				Tickets []struct {
					SeatID string `json:"seat_id"`
				} `json:"tickets"`
			} `json:"order"`
		}
		t0 = time.Now()
		code, err = cl.do(ctx, "POST", "/api/v1/orders", user, map[string]any{"hold_id": h.Hold.ID, "payment_token": "tok_visa"}, &o)
		st.record(&st.orderLat, t0, code == "")
		if code != "" {
			st.fail(err)
			continue
		}
		st.orders.Add(1)
		st.mu.Lock()
		for _, t := range o.Order.Tickets {
			st.seats[t.SeatID]++
		}
		st.mu.Unlock()
	}
}

// record notes a request that started at t0 and has just ended.
func (st *benchStats) record(to *[]timedLat, t0 time.Time, ok bool) {
	now := time.Now()
	st.mu.Lock()
	*to = append(*to, timedLat{at: now.Sub(st.start), d: now.Sub(t0), ok: ok})
	st.mu.Unlock()
}

func (st *benchStats) fail(err error) {
	st.failures.Add(1)
	st.firstFail.CompareAndSwap(nil, err)
}
