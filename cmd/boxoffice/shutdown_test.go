package main

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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
	// Wait until all three scans wait on the lock.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`).Scan(&waiting); err != nil {
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
