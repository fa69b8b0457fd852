package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// instance is one `boxoffice serve` process of a multi-instance test.
type instance struct {
	cmd    *exec.Cmd
	base   string
	c      *apitest.Client
	stderr *lockedBuffer
	exited chan error
}

// lockedBuffer is a bytes.Buffer that the process's stderr copier and the
// test may use at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// buildBinary compiles boxoffice once for a test, with the race detector
// when the test has it: the packages are then already compiled (a cold
// build without would take over a minute on two cores), and data races in
// the servers fail the test too. Extra arguments go to go build (such as
// -tags brokenclaim).
func buildBinary(t *testing.T, extra ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "boxoffice")
	args := append([]string{"build", "-o", bin}, extra...)
	if raceBuild {
		args = append(args, "-race")
	}
	start := time.Now()
	out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built %s in %s", bin, time.Since(start).Round(time.Millisecond))
	return bin
}

// startInstances starts n servers on one database at once (so that their
// migrations and admin bootstraps race) and waits until each listens.
func startInstances(t *testing.T, bin, db string, n int, extra ...string) []*instance {
	t.Helper()
	return startInstancesEnv(t, bin, db, n, nil, extra...)
}

// startInstancesEnv is startInstances with more environment variables.
func startInstancesEnv(t *testing.T, bin, db string, n int, env []string, extra ...string) []*instance {
	t.Helper()
	insts := make([]*instance, n)
	urls := make(chan struct {
		i   int
		url string
	}, n)
	for i := range insts {
		args := append([]string{"serve", "--database", db, "--addr", "127.0.0.1:0", "--log-level", "warn"}, extra...)
		cmd := exec.Command(bin, args...)
		cmd.Env = append(append(os.Environ(), "BOXOFFICE_ADMIN_EMAIL=root@example.com", "BOXOFFICE_ADMIN_PASSWORD=root-password"), env...)
		// Should this test die, the servers die with it.
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		in := &instance{cmd: cmd, stderr: &lockedBuffer{}, exited: make(chan error, 1)}
		out, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		insts[i] = in
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				fmt.Fprintln(in.stderr, sc.Text())
				if u, ok := strings.CutPrefix(sc.Text(), "Boxoffice is listening on "); ok {
					urls <- struct {
						i   int
						url string
					}{i, u}
				}
			}
			in.exited <- cmd.Wait()
		}()
	}
	t.Cleanup(func() {
		for _, in := range insts {
			if in.cmd.ProcessState == nil {
				_ = in.cmd.Process.Kill()
			}
		}
	})
	deadline := time.After(45 * time.Second)
	for range insts {
		select {
		case u := <-urls:
			insts[u.i].base = u.url
		case <-deadline:
			for i, in := range insts {
				t.Logf("instance %d stderr:\n%s", i, in.stderr)
			}
			t.Fatal("the instances did not all start in 45s")
		}
	}
	tr := &http.Transport{MaxIdleConns: 1000, MaxIdleConnsPerHost: 1000, IdleConnTimeout: 30 * time.Second}
	for _, in := range insts {
		in.c = apitest.NewClient(t, in.base)
		// Generous: the package's multi-process tests run in parallel on
		// two cores under the race detector, and a burst of sign-ups waits
		// for argon2's bounded concurrency in each server.
		in.c.HTTP = &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	}
	return insts
}

// stopInstances sends SIGTERM to every instance and checks each drains and
// exits 0.
func stopInstances(t *testing.T, insts []*instance) {
	t.Helper()
	for _, in := range insts {
		_ = in.cmd.Process.Signal(syscall.SIGTERM)
	}
	for i, in := range insts {
		select {
		case err := <-in.exited:
			if err != nil {
				t.Errorf("instance %d exited with %v; stderr:\n%s", i, err, in.stderr)
			}
		case <-time.After(40 * time.Second):
			t.Errorf("instance %d did not exit within 40s of SIGTERM", i)
		}
	}
}

// concurrently runs n calls at once (released together) and waits.
func concurrently(n int, call func(i int)) {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(n)
	for i := range n {
		done.Go(func() {
			ready.Done()
			<-start
			call(i)
		})
	}
	ready.Wait()
	close(start)
	done.Wait()
}

// tally counts outcomes by status and problem code.
func tally(rs []*apitest.Response) map[string]int {
	m := map[string]int{}
	for _, r := range rs {
		k := strconv.Itoa(r.Status)
		if c := r.Code(); c != "" {
			k += " " + c
		}
		m[k]++
	}
	return m
}

type heldSeat struct {
	ID     string  `json:"id"`
	Row    *string `json:"row"`
	Number *int    `json:"number"`
}

type holdBody struct {
	Hold struct {
		ID    string     `json:"id"`
		Seats []heldSeat `json:"seats"`
	} `json:"hold"`
}

// TestThreeInstancesOnePostgres runs three `boxoffice serve` processes on
// one PostgreSQL database and sends the race scenarios across all three,
// round-robin: nothing that decides a race may live in one process.
func TestThreeInstancesOnePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts three servers")
	}
	t.Parallel()
	db := pgtest.URL(t)
	bin := buildBinary(t)
	insts := startInstances(t, bin, db, 3)
	pick := func(i int) *apitest.Client { return insts[i%len(insts)].c }
	c0 := insts[0].c

	// Every instance bootstrapped the same admin at once; one account exists.
	var auth struct {
		Token string `json:"token"`
	}
	for _, in := range insts {
		in.c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"email": "root@example.com", "password": "root-password"}}).JSON(t, &auth)
		in.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/readyz"})
	}
	admin := auth.Token

	// One venue: a row of 10 for the exact-seat race, 50 rows of 2 for
	// best-available pairs (100 seats), and a GA floor of 20.
	pairRows := make([]any, 50)
	for i := range pairRows {
		pairRows[i] = map[string]any{"name": strconv.Itoa(i + 1), "seats": 2}
	}
	var v struct {
		Venue struct{ ID string } `json:"venue"`
	}
	c0.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/venues", Token: admin, Body: map[string]any{
		"name": "Race Hall", "address": "1 Main St", "city": "Springfield", "region": "IL", "country": "US",
		"lat": 39.8, "lon": -89.6, "timezone": "America/Chicago",
		"sections": []any{
			map[string]any{"name": "Solo", "rows": []any{map[string]any{"name": "A", "seats": 10}}},
			map[string]any{"name": "Pairs", "rows": pairRows},
			map[string]any{"name": "Floor", "general_admission": true, "capacity": 20},
		}}}).JSON(t, &v)
	now := time.Now().UTC()
	var ev struct {
		Event struct{ ID string } `json:"event"`
	}
	c0.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events", Token: admin, Body: map[string]any{
		"venue_id": v.Venue.ID, "name": "The Race", "category": "concert",
		"starts_at": now.Add(48 * time.Hour).Format(time.RFC3339), "onsale_at": now.Add(-time.Hour).Format(time.RFC3339),
		"max_tickets_per_user": 20, "default_price_cents": 1000, "service_fee_cents": 100, "order_fee_cents": 50}}).JSON(t, &ev)
	eventID := ev.Event.ID
	holds := "/api/v1/events/" + eventID + "/holds"

	// 300 buyers, registered across the instances.
	tokens := make([]string, 300)
	concurrently(len(tokens), func(i int) {
		var a struct {
			Token string `json:"token"`
		}
		r := pick(i).Do(t, apitest.Req{Method: "POST", Path: "/api/v1/auth/register",
			Body: map[string]string{"email": fmt.Sprintf("buyer%d@example.com", i), "password": "race-password", "name": "Buyer"}})
		if r.Status != 201 {
			t.Errorf("register buyer %d: %d %s", i, r.Status, r.Body)
			return
		}
		r.JSON(t, &a)
		tokens[i] = a.Token
	})
	if t.Failed() {
		t.FailNow()
	}

	var seatMap struct {
		Sections []struct {
			Name string `json:"name"`
			Rows []struct {
				Seats []struct {
					ID string `json:"id"`
				} `json:"seats"`
			} `json:"rows"`
		} `json:"sections"`
	}
	c0.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events/" + eventID + "/seats"}).JSON(t, &seatMap)
	oneSeat := seatMap.Sections[0].Rows[0].Seats[4].ID

	t.Run("300 buyers, one exact seat", func(t *testing.T) {
		rs := make([]*apitest.Response, 300)
		concurrently(len(rs), func(i int) {
			rs[i] = pick(i).Do(t, apitest.Req{Method: "POST", Path: holds, Token: tokens[i], Body: map[string]any{"seat_ids": []string{oneSeat}}})
		})
		if got := tally(rs); got["201"] != 1 || got["409 seats_unavailable"] != 299 {
			t.Errorf("outcomes %v, want 1 hold and 299 seats_unavailable", got)
		}
	})

	t.Run("200 buyers, the last 5 GA places", func(t *testing.T) {
		// Someone already holds 15 of the floor's 20 places.
		c0.Must(t, 201, apitest.Req{Method: "POST", Path: holds, Token: tokens[299], Body: map[string]any{"section": "Floor", "quantity": 15}})
		rs := make([]*apitest.Response, 200)
		concurrently(len(rs), func(i int) {
			rs[i] = pick(i).Do(t, apitest.Req{Method: "POST", Path: holds, Token: tokens[i], Body: map[string]any{"section": "Floor", "quantity": 1}})
		})
		if got := tally(rs); got["201"] != 5 || got["409 seats_unavailable"] != 195 {
			t.Errorf("outcomes %v, want 5 holds and 195 seats_unavailable", got)
		}
		seen := map[string]bool{}
		for _, r := range rs {
			if r.Status == 201 {
				var h holdBody
				r.JSON(t, &h)
				if seen[h.Hold.Seats[0].ID] {
					t.Errorf("GA place %s held twice", h.Hold.Seats[0].ID)
				}
				seen[h.Hold.Seats[0].ID] = true
			}
		}
	})

	// Rows of two make every pair a whole row. (With longer rows, pairs
	// picked at the same moment can leave single seats between them, so
	// fewer than seats/2 pairs may be sold; that is not a double sale.)
	t.Run("200 buyers, best-available pairs of 100 seats", func(t *testing.T) {
		rs := make([]*apitest.Response, 200)
		concurrently(len(rs), func(i int) {
			rs[i] = pick(i).Do(t, apitest.Req{Method: "POST", Path: holds, Token: tokens[i],
				Body: map[string]any{"best_available": true, "section": "Pairs", "quantity": 2}})
		})
		if got := tally(rs); got["201"] != 50 || got["409 seats_unavailable"] != 150 {
			t.Errorf("outcomes %v, want 50 holds and 150 seats_unavailable", got)
		}
		taken := map[string]bool{}
		for _, r := range rs {
			if r.Status != 201 {
				continue
			}
			var h holdBody
			r.JSON(t, &h)
			s := h.Hold.Seats
			if len(s) != 2 || *s[0].Row != *s[1].Row || *s[1].Number-*s[0].Number != 1 {
				t.Errorf("hold %s is not an adjacent pair: %s", h.Hold.ID, r.Body)
			}
			for _, st := range s {
				if taken[st.ID] {
					t.Errorf("seat %s in two holds", st.ID)
				}
				taken[st.ID] = true
			}
		}
	})

	t.Run("one order replayed on all three instances", func(t *testing.T) {
		buyer := tokens[250]
		var h holdBody
		c0.Must(t, 201, apitest.Req{Method: "POST", Path: holds, Token: buyer, Body: map[string]any{"seat_ids": []string{seatMap.Sections[0].Rows[0].Seats[0].ID}}}).JSON(t, &h)
		rs := make([]*apitest.Response, 30)
		concurrently(len(rs), func(i int) {
			rs[i] = pick(i).Do(t, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: buyer, Header: map[string]string{"Idempotency-Key": "race-order-1"},
				Body: map[string]any{"hold_id": h.Hold.ID, "payment_token": "tok_visa"}})
		})
		for i, r := range rs {
			if r.Status != 201 || !bytes.Equal(r.Body, rs[0].Body) {
				t.Errorf("replay %d: %d %s, want 201 and the first response's body", i, r.Status, r.Body)
			}
		}
		var mine struct {
			Orders []struct {
				ID      string `json:"id"`
				Status  string `json:"status"`
				Payment struct {
					ChargeID string `json:"charge_id"`
				} `json:"payment"`
			} `json:"orders"`
		}
		pick(1).Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/me/orders", Token: buyer}).JSON(t, &mine)
		if len(mine.Orders) != 1 || mine.Orders[0].Status != "paid" || mine.Orders[0].Payment.ChargeID == "" {
			t.Errorf("the buyer's orders = %+v, want exactly one paid order with one charge", mine.Orders)
		}
	})

	// The books balance, seen from every instance.
	for i, in := range insts {
		var s struct{ Capacity, Available, Held, Sold, Orders int }
		in.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/admin/events/" + eventID + "/sales", Token: admin}).JSON(t, &s)
		if s.Capacity != 130 || s.Sold != 1 || s.Held != 1+20+100 || s.Orders != 1 || s.Available+s.Held+s.Sold != s.Capacity {
			t.Errorf("instance %d sales %+v, want capacity 130, 1 sold, 121 held, 1 order", i, s)
		}
	}
	stopInstances(t, insts)

	// Three new instances with 2-second holds: the holds expire while the
	// three sweepers run, and each is expired exactly once.
	insts = startInstances(t, bin, db, 3, "--hold-ttl", "2s")
	pick = func(i int) *apitest.Client { return insts[i%len(insts)].c }
	placed := 0
	for i := range 60 {
		r := pick(i).Do(t, apitest.Req{Method: "POST", Path: holds, Token: tokens[i], Body: map[string]any{"seat_ids": []string{seatMap.Sections[0].Rows[0].Seats[1+i%9].ID}}})
		switch {
		case r.Status == 201:
			placed++
		case r.Code() != "seats_unavailable":
			t.Fatalf("hold: %d %s", r.Status, r.Body)
		}
	}
	// The earlier holds (5-minute ones) are still active; these new ones
	// took whatever of the Solo row was free.
	var expired float64
	deadline := time.Now().Add(20 * time.Second)
	for {
		expired = 0
		for _, in := range insts {
			expired += metric(t, in.base, "boxoffice_hold_expirations_total")
		}
		if expired >= float64(placed) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // more sweeps: nothing may expire twice
	expired = 0
	for _, in := range insts {
		expired += metric(t, in.base, "boxoffice_hold_expirations_total")
	}
	if placed == 0 || expired != float64(placed) {
		t.Errorf("placed %d short holds; the three sweepers expired %v, want exactly %d", placed, expired, placed)
	}
	// An expired hold, seen from the other instances: expired, and no
	// longer payable.
	if placed > 0 {
		var mine struct {
			Hold struct{ Status string } `json:"hold"`
		}
		var h holdBody
		pick(0).Must(t, 201, apitest.Req{Method: "POST", Path: holds, Token: tokens[298], Body: map[string]any{"section": "Solo", "quantity": 1, "best_available": true}}).JSON(t, &h)
		time.Sleep(2500 * time.Millisecond)
		pick(1).Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/holds/" + h.Hold.ID, Token: tokens[298]}).JSON(t, &mine)
		if mine.Hold.Status != "expired" {
			t.Errorf("a 2-second hold after 2.5 s, seen from another instance: %s, want expired", mine.Hold.Status)
		}
		if r := pick(2).Do(t, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: tokens[298],
			Body: map[string]any{"hold_id": h.Hold.ID, "payment_token": "tok_visa"}}); r.Code() != "hold_not_active" {
			t.Errorf("order for an expired hold on a third instance: %d %s", r.Status, r.Body)
		}
	}
	var s struct{ Capacity, Available, Held, Sold int }
	pick(2).Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/admin/events/" + eventID + "/sales", Token: admin}).JSON(t, &s)
	if s.Sold != 1 || s.Held != 121 || s.Available+s.Held+s.Sold != s.Capacity {
		t.Errorf("sales after expiry %+v, want 1 sold and the 121 long holds", s)
	}
	stopInstances(t, insts)
}

// metric reads one unlabelled counter from an instance's /metrics.
func metric(t *testing.T, base, name string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("metric %s: %q", name, line)
			}
			return f
		}
	}
	return 0
}
