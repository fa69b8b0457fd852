package postgres_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/internal/store/pgtest"
	"github.com/boxoffice/boxoffice/internal/store/postgres"
)

// TestCeiling runs the bench's bare hold transaction for about a second
// with eight writers on eight connections, every pair tried by two of
// them at once, and checks that each pair was won exactly once and that no
// seat ended up in two holds; then that Close leaves no scratch table.
func TestCeiling(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	c, err := postgres.OpenCeiling(ctx, url, 20_000, 8)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.Pairs(); got != 10_000 {
		t.Fatalf("pairs: %d, want 10000", got)
	}
	if d := c.Describe(); !strings.Contains(d, "synchronous_commit=on") || !strings.Contains(d, "8 connections") {
		t.Errorf("durability: %s", d)
	}
	wins := make([]atomic.Int32, c.Pairs())
	var next atomic.Int64
	var failed atomic.Pointer[error]
	deadline := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				k := int(next.Add(1) - 1)
				if k/2 >= c.Pairs() {
					return
				}
				ok, err := c.Hold(ctx, k/2, fmt.Sprintf("hld_%d", k))
				if err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				if ok {
					wins[k/2].Add(1)
				}
			}
		})
	}
	wg.Wait()
	if e := failed.Load(); e != nil {
		t.Fatal(*e)
	}
	tried, won := min(int(next.Load()+1)/2, c.Pairs()), 0
	for i := range tried {
		if n := wins[i].Load(); n != 1 {
			t.Errorf("pair %d won %d times", i, n)
		}
		won += int(wins[i].Load())
	}
	if won < 20 {
		t.Errorf("only %d holds in a second", won)
	}
	holds, seats, err := c.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if holds != won || seats != 2*won {
		t.Errorf("check: %d holds, %d seats; want %d, %d", holds, seats, won, 2*won)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, url)
	var left int
	if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM pg_class WHERE relname LIKE 'ceiling%'`).Scan(&left); err != nil || left != 0 {
		t.Errorf("after Close: %d scratch relations left (%v)", left, err)
	}
}

// TestCeilingMirrorsSchema compares the scratch tables with the migrated
// seats, holds and hold_seats: columns, constraints, indexes and storage
// options, names aside. A migration that changes them must change the
// ceiling's copy too, or the bench would measure another table.
func TestCeilingMirrorsSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := migrated(t)
	c, err := postgres.OpenCeiling(ctx, url, 100, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	conn := connect(t, url)
	var scratch string
	if err := conn.QueryRow(ctx, `SELECT left(relname, -5) FROM pg_class WHERE relkind = 'r' AND relname LIKE 'ceiling%seats'
		AND relname NOT LIKE '%hold_seats'`).Scan(&scratch); err != nil {
		t.Fatal(err)
	}
	// Each query lists one aspect of a table $1, one line a row.
	aspects := []string{
		`SELECT column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1`,
		`SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass`,
		`SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`,
		`SELECT coalesce(array_to_string(reloptions, ','), '') FROM pg_class WHERE oid = $1::regclass`,
	}
	schema := func(prefix string) string {
		var out []string
		for _, table := range []string{"seats", "holds", "hold_seats"} {
			for _, q := range aspects {
				rows, _ := conn.Query(ctx, q, prefix+table)
				lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range lines {
					if prefix != "" {
						l = strings.ReplaceAll(l, prefix, "")
					}
					out = append(out, table+": "+l)
				}
			}
		}
		sort.Strings(out)
		return strings.Join(out, "\n")
	}
	if real, copied := schema(""), schema(scratch); real != copied {
		t.Errorf("the ceiling's tables differ from the migrated ones:\nmigrated:\n%s\nceiling:\n%s", real, copied)
	}
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
