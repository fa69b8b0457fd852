package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/store/sqlite"
)

// TestCeiling runs the bench's bare hold transaction for about a second
// with eight writers, every pair tried by two of them, and checks that
// each pair was won exactly once and that no seat ended up in two holds;
// then that Close leaves no scratch table behind.
func TestCeiling(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ceiling.db")
	c, err := sqlite.OpenCeiling(ctx, path, 4_000)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.Pairs(); got != 2_000 {
		t.Fatalf("pairs: %d, want 2000", got)
	}
	if d := c.Describe(); !strings.Contains(d, "journal_mode=wal synchronous=NORMAL") {
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
	db := openFile(t, path)
	var left int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'ceiling%'`).Scan(&left); err != nil || left != 0 {
		t.Errorf("after Close: %d scratch tables and indexes left (%v)", left, err)
	}
}

// TestCeilingMirrorsSchema compares the scratch tables with the migrated
// seats, holds and hold_seats: the same statements, names aside. A
// migration that changes them must change the ceiling's copy too, or the
// bench would measure another table.
func TestCeilingMirrorsSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "schema.db")
	if err := sqlite.Migrate(ctx, path); err != nil {
		t.Fatal(err)
	}
	c, err := sqlite.OpenCeiling(ctx, path, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	db := openFile(t, path)
	var scratch string
	if err := db.QueryRow(`SELECT substr(name, 1, length(name) - 5) FROM sqlite_master WHERE type = 'table' AND name LIKE 'ceiling%seats'
		AND name NOT LIKE '%hold_seats'`).Scan(&scratch); err != nil {
		t.Fatal(err)
	}
	schema := func(prefix string) []string {
		rows, err := db.Query(`SELECT sql FROM sqlite_master WHERE tbl_name IN (?, ?, ?) AND sql IS NOT NULL`,
			prefix+"seats", prefix+"holds", prefix+"hold_seats")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			if prefix != "" {
				s = strings.ReplaceAll(s, prefix, "")
			}
			out = append(out, regexp.MustCompile(`\s+`).ReplaceAllString(s, " "))
		}
		sort.Strings(out)
		return out
	}
	real, copied := schema(""), schema(scratch)
	if strings.Join(real, "\n") != strings.Join(copied, "\n") {
		t.Errorf("the ceiling's tables differ from the migrated ones:\nmigrated:\n%s\nceiling:\n%s", strings.Join(real, "\n"), strings.Join(copied, "\n"))
	}
}

func openFile(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
