package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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
	// servers the buyers are spread over.
	instances int
	urls      []string
}

// bench runs the on-sale benchmark: it starts a server (or uses --url),
// creates an event at the demo stadium, and lets N concurrent buyers hold
// best-available pairs and pay for them until the event is sold out. It
// then checks that no seat was sold twice and reports throughput, latency
// and the server's peak memory.
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.url != "" {
		c.urls = strings.Split(c.url, ",")
	} else {
		if c.instances > 1 && !strings.HasPrefix(c.database, "postgres") {
			return fmt.Errorf("--instances %d needs --database postgres://…: the instances share one database", c.instances)
		}
		// One after another: the first loads the demo data into an empty
		// database, the others find it there.
		for i := range max(1, c.instances) {
			srv, err := startBenchServer(ctx, c, stderr)
			if err != nil {
				return err
			}
			defer srv.stop()
			c.urls = append(c.urls, srv.url)
			defer func() { fmt.Fprintf(stdout, "server %d peak RSS: %s\n", i+1, srv.peakRSS()) }()
		}
	}
	c.url = c.urls[0]
	return runBench(ctx, c, stdout)
}

type benchServer struct {
	cmd *exec.Cmd
	url string
	dir string
}

func startBenchServer(ctx context.Context, c benchConfig, stderr io.Writer) (*benchServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "boxoffice-bench-*")
	if err != nil {
		return nil, err
	}
	db := c.database
	if db == "" {
		db = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	cmd := exec.CommandContext(ctx, exe, "serve", "--demo", "--addr", "127.0.0.1:0", "--database", db,
		"--log-level", "warn", "--payment-latency", c.payLatency.String())
	cmd.Env = append(os.Environ(), "BOXOFFICE_ADMIN_EMAIL=", "BOXOFFICE_ADMIN_PASSWORD=")
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &benchServer{cmd: cmd, dir: dir}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "Boxoffice is listening on "); ok {
			s.url = u
			break
		}
	}
	if s.url == "" {
		s.stop()
		return nil, fmt.Errorf("the server did not start")
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return s, nil
}

func (s *benchServer) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	_ = s.cmd.Wait()
	os.RemoveAll(s.dir)
}

// peakRSS reads the server's high-water resident set size from /proc.
func (s *benchServer) peakRSS() string { return vmHWM(strconv.Itoa(s.cmd.Process.Pid)) }

// vmHWM is the peak resident set size of process pid ("self" for this
// one), as /proc reports it.
func vmHWM(pid string) string {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

type benchStats struct {
	mu        sync.Mutex
	holdLat   []time.Duration
	orderLat  []time.Duration
	seats     map[string]int
	orders    atomic.Int64
	lost      atomic.Int64 // seats_unavailable: a race lost, expected
	failures  atomic.Int64 // anything unexpected
	firstFail atomic.Value
}

func runBench(ctx context.Context, c benchConfig, out io.Writer) error {
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
	st := &benchStats{seats: map[string]int{}}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
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

	var sales struct {
		Capacity, Available, Held, Sold, Orders int
	}
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
	fmt.Fprintf(out, "sold %d of %d places in %d orders in %s: %.0f orders/s, %.0f tickets/s\n", sales.Sold, sales.Capacity, orders,
		elapsed.Round(time.Millisecond), float64(orders)/elapsed.Seconds(), float64(sales.Sold)/elapsed.Seconds())
	fmt.Fprintf(out, "hold latency  p50 %s  p90 %s  p99 %s  max %s  (n=%d)\n", pct(st.holdLat, 50), pct(st.holdLat, 90), pct(st.holdLat, 99), pct(st.holdLat, 100), len(st.holdLat))
	fmt.Fprintf(out, "order latency p50 %s  p90 %s  p99 %s  max %s  (n=%d)\n", pct(st.orderLat, 50), pct(st.orderLat, 90), pct(st.orderLat, 99), pct(st.orderLat, 100), len(st.orderLat))
	fmt.Fprintf(out, "lost races (409 seats_unavailable): %d; unexpected failures: %d\n", st.lost.Load(), st.failures.Load())
	fmt.Fprintf(out, "oversold seats: %d; tickets issued %d; sales says sold %d, available %d, held %d\n", oversold, len(st.seats), sales.Sold, sales.Available, sales.Held)
	if f := st.firstFail.Load(); f != nil {
		fmt.Fprintf(out, "first unexpected failure: %v\n", f)
	}
	if oversold > 0 || len(st.seats) != sales.Sold || sales.Available+sales.Held+sales.Sold != sales.Capacity {
		return fmt.Errorf("invariant broken: oversold %d, tickets %d vs sold %d", oversold, len(st.seats), sales.Sold)
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
		st.record(&st.holdLat, time.Since(t0))
		switch code {
		case "":
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
		st.record(&st.orderLat, time.Since(t0))
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

func (st *benchStats) record(to *[]time.Duration, d time.Duration) {
	st.mu.Lock()
	*to = append(*to, d)
	st.mu.Unlock()
}

func (st *benchStats) fail(err error) {
	st.failures.Add(1)
	st.firstFail.CompareAndSwap(nil, err)
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)].Round(10 * time.Microsecond)
}
