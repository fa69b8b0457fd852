package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the test takes SQLite's write lock itself

	"github.com/boxoffice/boxoffice/internal/apitest"
)

// stopStuck sends SIGTERM to every instance while each has a live
// seat-map stream open and a request stuck on the database (a scan of a
// ticket whose row the test keeps locked), and checks that each exits 0
// within the drain timeout, plus a little for the process to end.
func stopStuck(t *testing.T, insts []*instance, db, eventID, ticketID, barcode, gateToken string, drain time.Duration) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT id FROM tickets WHERE id = $1 FOR UPDATE`, ticketID); err != nil {
		t.Fatal(err)
	}

	streams := make(chan string, len(insts))
	stuck := make(chan string, len(insts))
	for _, in := range insts {
		go func() {
			resp, err := http.Get(in.base + "/events/" + eventID + "/live")
			if err != nil {
				streams <- "error: " + err.Error()
				return
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
			}
			streams <- "ended"
		}()
		go func() {
			req, _ := http.NewRequest("POST", in.base+"/api/v1/checkins", strings.NewReader(`{"barcode":"`+barcode+`"}`))
			req.Header.Set("Authorization", "Bearer "+gateToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				stuck <- "error: " + err.Error()
				return
			}
			resp.Body.Close()
			stuck <- resp.Status
		}()
	}
	// Wait until all three scans wait on the lock. Ask on a connection of
	// its own: inside the locking transaction, PostgreSQL would keep
	// showing the first snapshot of pg_stat_activity.
	watch, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		if err := watch.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting == len(insts) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d scans wait on the locked ticket after 10s", waiting, len(insts))
		}
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case s := <-streams:
		t.Fatalf("a stream ended before shutdown: %s", s)
	case s := <-stuck:
		t.Fatalf("a stuck scan returned before shutdown: %s", s)
	default:
	}

	start := time.Now()
	for _, in := range insts {
		_ = in.cmd.Process.Signal(syscall.SIGTERM)
	}
	limit := drain + 3*time.Second
	for i, in := range insts {
		select {
		case err := <-in.exited:
			took := time.Since(start)
			t.Logf("instance %d exited %v after %s", i, err, took.Round(time.Millisecond))
			if err != nil {
				t.Errorf("instance %d exited with %v; stderr:\n%s", i, err, in.stderr)
			}
		case <-time.After(time.Until(start.Add(limit))):
			t.Fatalf("instance %d still running %s after SIGTERM (drain timeout %s)", i, limit, drain)
		}
	}
	for range insts {
		st, sc := <-streams, <-stuck
		t.Logf("stream: %s; stuck scan: %s", st, sc)
		if sc != "503 Service Unavailable" {
			t.Errorf("the stuck scan got %s, want 503 (cancelled by the drain timeout, retry elsewhere)", sc)
		}
	}
}

// TestShutdownBounded stops an embedded (SQLite) server while it has a
// live seat-map stream open, a request whose body the client never
// finishes sending, and a request stuck behind the database's one writer
// (the test holds SQLite's write lock): serve must return within its
// drain timeout, plus a little.
func TestShutdownBounded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbFile := filepath.Join(dir, "shutdown.db")
	ctx := context.Background()
	const drain = 1500 * time.Millisecond
	base, stop, done := serveInProcess(t, "sqlite:"+dbFile, "--drain-timeout", drain.String())
	c := apitest.NewClient(t, base)
	var auth struct{ Token string }
	c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"email": "root@example.com", "password": "root-password"}}).JSON(t, &auth)
	var v struct{ Venue struct{ ID string } }
	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/venues", Token: auth.Token, Body: map[string]any{"name": "Hall", "address": "1 A St",
		"city": "Springfield", "region": "IL", "country": "US", "lat": 39.8, "lon": -89.6, "timezone": "America/Chicago",
		"sections": []any{map[string]any{"name": "Floor", "general_admission": true, "capacity": 10}}}}).JSON(t, &v)
	now := time.Now().UTC()
	var ev struct{ Event struct{ ID string } }
	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events", Token: auth.Token, Body: map[string]any{"venue_id": v.Venue.ID, "name": "Show",
		"category": "concert", "starts_at": now.Add(48 * time.Hour).Format(time.RFC3339), "onsale_at": now.Add(-time.Hour).Format(time.RFC3339),
		"default_price_cents": 1000}}).JSON(t, &ev)

	// A live stream.
	stream, err := http.Get(base + "/events/" + ev.Event.ID + "/live")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	// A request whose body never arrives in full.
	host := strings.TrimPrefix(base, "http://")
	slow, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprintf(slow, "POST /api/v1/auth/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"email\":", host)
	// A hold stuck behind SQLite's write lock, which this connection takes.
	lock, err := sql.Open("sqlite", "file:"+dbFile+"?_pragma=busy_timeout(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	lockConn, err := lock.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lockConn.Close()
	if _, err := lockConn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer lockConn.ExecContext(context.Background(), "ROLLBACK")
	stuck := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", base+"/api/v1/events/"+ev.Event.ID+"/holds", strings.NewReader(`{"section":"Floor","quantity":1}`))
		req.Header.Set("Authorization", "Bearer "+auth.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			stuck <- 0
			return
		}
		resp.Body.Close()
		stuck <- resp.StatusCode
	}()
	time.Sleep(300 * time.Millisecond) // the hold is now waiting for the writer
	select {
	case code := <-stuck:
		t.Fatalf("the hold did not wait for the locked writer: %d", code)
	default:
	}

	start := time.Now()
	stop()
	select {
	case err := <-done:
		took := time.Since(start)
		t.Logf("serve returned %v after %s (drain timeout %s)", err, took.Round(time.Millisecond), drain)
		if err != nil {
			t.Errorf("serve: %v", err)
		}
		if took > drain+2*time.Second {
			t.Errorf("shutdown took %s, drain timeout %s", took, drain)
		}
	case <-time.After(drain + 10*time.Second):
		t.Fatalf("serve still running %s after shutdown began (drain timeout %s)", drain+10*time.Second, drain)
	}
	t.Logf("the stuck hold got %d", <-stuck)
}
