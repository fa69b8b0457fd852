package linz

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one recorded run.
type Config struct {
	// Bases are the servers' base URLs; each request goes to one of them
	// at random, so a client's read often goes to another instance than
	// its write did.
	Bases                     []string
	AdminEmail, AdminPassword string
	// Seats is the seats event's size, a multiple of 8 (rows of 8).
	Seats int
	// SeatClients and SmallClients are the buyers on each event, each one
	// goroutine doing one request at a time.
	SeatClients, SmallClients int
	// SeatOps and SmallOps are how many checked operations to record on
	// each event (seat-map reads are extra).
	SeatOps, SmallOps int
	// SeatMapPercent is the share of a seats client's turns spent reading
	// the seat map.
	SeatMapPercent int
	Seed           uint64
	HTTP           *http.Client
}

// driver is a run in progress.
type driver struct {
	cfg   Config
	start time.Time
	admin string
	// the two events and their seats
	seatsEvent, smallEvent string
	seats, row             []string

	mu         sync.Mutex
	ops        []Op
	unexpected []Op
}

func (d *driver) now() int64 { return int64(time.Since(d.start)) }

// Run sets up the two events on the servers, runs the clients until both
// budgets are spent (or ctx ends) and returns what they saw, in call order.
func Run(ctx context.Context, cfg Config) (*History, error) {
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	d := &driver{cfg: cfg, start: time.Now()}
	tokens, err := d.setUp(ctx)
	if err != nil {
		return nil, err
	}
	var seatsLeft, smallLeft atomic.Int64
	seatsLeft.Store(int64(cfg.SeatOps))
	smallLeft.Store(int64(cfg.SmallOps))
	var wg sync.WaitGroup
	for i := range cfg.SeatClients + cfg.SmallClients {
		c := &client{d: d, id: i, token: tokens[i], rng: rand.New(rand.NewPCG(cfg.Seed, uint64(i)))}
		if i < cfg.SeatClients {
			wg.Go(func() { c.seatsLoop(ctx, &seatsLeft) })
		} else {
			wg.Go(func() { c.smallLoop(ctx, &smallLeft) })
		}
	}
	wg.Wait()
	sort.SliceStable(d.ops, func(i, j int) bool { return d.ops[i].Call < d.ops[j].Call })
	return &History{Ops: d.ops, Unexpected: d.unexpected, Seats: d.seats, SmallRow: d.row}, ctx.Err()
}

func (d *driver) record(o Op, unexpected bool) {
	o.unexpected = false
	d.mu.Lock()
	defer d.mu.Unlock()
	if unexpected {
		d.unexpected = append(d.unexpected, o)
		return
	}
	d.ops = append(d.ops, o)
}

// answer is one HTTP exchange.
type answer struct {
	status int
	code   string
	body   []byte
	err    error
	inst   int
}

// call sends one request to base number inst.
func (d *driver) call(ctx context.Context, inst int, method, path, token string, body any) answer {
	a := answer{inst: inst}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.err = err
			return a
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.cfg.Bases[inst]+path, rd)
	if err != nil {
		a.err = err
		return a
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := d.cfg.HTTP.Do(req)
	if err != nil {
		a.err = err
		return a
	}
	defer resp.Body.Close()
	a.status = resp.StatusCode
	if a.body, a.err = io.ReadAll(resp.Body); a.err != nil {
		return a
	}
	if a.status >= 400 {
		var p struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal(a.body, &p)
		a.code = p.Code
	}
	return a
}

// must is a set-up request that must answer want.
func (d *driver) must(ctx context.Context, want int, method, path, token string, body, out any) error {
	a := d.call(ctx, 0, method, path, token, body)
	if a.err != nil {
		return fmt.Errorf("%s %s: %w", method, path, a.err)
	}
	if a.status != want {
		return fmt.Errorf("%s %s: %d %s, want %d", method, path, a.status, a.body, want)
	}
	if out != nil {
		return json.Unmarshal(a.body, out)
	}
	return nil
}

type seatMapBody struct {
	Sections []struct {
		Name string `json:"name"`
		Rows []struct {
			Seats []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"seats"`
		} `json:"rows"`
	} `json:"sections"`
}

// setUp creates the venues, the events and the buyers, and returns the
// buyers' tokens.
func (d *driver) setUp(ctx context.Context) ([]string, error) {
	cfg := d.cfg
	if cfg.Seats < 8 || cfg.Seats%8 != 0 {
		return nil, fmt.Errorf("seats %d: want a positive multiple of 8", cfg.Seats)
	}
	var auth struct {
		Token string `json:"token"`
	}
	if err := d.must(ctx, 200, "POST", "/api/v1/auth/login", "", map[string]string{"email": cfg.AdminEmail, "password": cfg.AdminPassword}, &auth); err != nil {
		return nil, err
	}
	d.admin = auth.Token
	rows := make([]any, cfg.Seats/8)
	for i := range rows {
		rows[i] = map[string]any{"name": strconv.Itoa(i + 1), "seats": 8}
	}
	var err error
	if d.seatsEvent, err = d.event(ctx, "Seats Hall", []any{map[string]any{"name": "Solo", "rows": rows}}); err != nil {
		return nil, err
	}
	if d.smallEvent, err = d.event(ctx, "Small Hall", []any{
		map[string]any{"name": "Pair", "rows": []any{map[string]any{"name": "A", "seats": RowPlaces}}},
		map[string]any{"name": "Floor", "general_admission": true, "capacity": FloorPlaces},
	}); err != nil {
		return nil, err
	}
	var m seatMapBody
	if err := d.must(ctx, 200, "GET", "/api/v1/events/"+d.seatsEvent+"/seats", "", nil, &m); err != nil {
		return nil, err
	}
	for _, r := range m.Sections[0].Rows {
		for _, s := range r.Seats {
			d.seats = append(d.seats, s.ID)
		}
	}
	m = seatMapBody{}
	if err := d.must(ctx, 200, "GET", "/api/v1/events/"+d.smallEvent+"/seats", "", nil, &m); err != nil {
		return nil, err
	}
	for _, s := range m.Sections[0].Rows[0].Seats {
		d.row = append(d.row, s.ID)
	}
	if len(d.seats) != cfg.Seats || len(d.row) != RowPlaces {
		return nil, fmt.Errorf("seat maps: %d and %d seats, want %d and %d", len(d.seats), len(d.row), cfg.Seats, RowPlaces)
	}
	n := cfg.SeatClients + cfg.SmallClients
	tokens := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var a struct {
				Token string `json:"token"`
			}
			errs[i] = d.must(ctx, 201, "POST", "/api/v1/auth/register", "", map[string]string{
				"email": fmt.Sprintf("linz%d-%d@example.com", cfg.Seed, i), "password": "linz-password", "name": "Buyer"}, &a)
			tokens[i] = a.Token
		})
	}
	wg.Wait()
	return tokens, errors.Join(errs...)
}

// event creates a venue of sections and an event on sale there, with a
// per-buyer limit no client reaches.
func (d *driver) event(ctx context.Context, name string, sections []any) (string, error) {
	var v struct {
		Venue struct{ ID string } `json:"venue"`
	}
	if err := d.must(ctx, 201, "POST", "/api/v1/venues", d.admin, map[string]any{
		"name": name, "address": "1 Main St", "city": "Linz", "region": "OO", "country": "AT",
		"lat": 48.3, "lon": 14.3, "timezone": "Europe/Vienna", "sections": sections}, &v); err != nil {
		return "", err
	}
	now := time.Now().UTC()
	var e struct {
		Event struct{ ID string } `json:"event"`
	}
	err := d.must(ctx, 201, "POST", "/api/v1/events", d.admin, map[string]any{
		"venue_id": v.Venue.ID, "name": name + " Night", "category": "concert",
		"starts_at": now.Add(48 * time.Hour).Format(time.RFC3339), "onsale_at": now.Add(-time.Hour).Format(time.RFC3339),
		"max_tickets_per_user": 100, "default_price_cents": 1000, "service_fee_cents": 100, "order_fee_cents": 50}, &e)
	return e.Event.ID, err
}

// classify sets o's result from its answer, given the problem codes that
// mean "refused, changed nothing" for this operation. It reports false for
// an answer the workload never provokes.
func classify(o *Op, a answer, okStatus int, conflicts ...string) bool {
	o.Status, o.Code, o.Instance = a.status, a.code, a.inst
	switch {
	case a.err != nil:
		o.Result, o.Code = Ambiguous, a.err.Error()
	case a.status >= 500:
		o.Result = Ambiguous
	case a.status == okStatus:
		o.Result = OK
	case a.status == http.StatusPaymentRequired && a.code == "payment_declined":
		o.Result = Declined
	case a.status == http.StatusConflict && contains(conflicts, a.code):
		o.Result = Conflict
	default:
		return false
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
