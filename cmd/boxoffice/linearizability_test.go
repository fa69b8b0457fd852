package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/boxoffice/boxoffice/internal/linz"
	"github.com/boxoffice/boxoffice/internal/store/pgtest"
)

// linzOps makes the linearizability tests long: that many checked
// operations per engine instead of the short run's few thousand
// (docs/reliability.md, "Linearizability").
var linzOps = flag.Int("linz.ops", 0, "checked operations per engine in the linearizability tests (0: the short CI run)")

// seatMapBound is the staleness the seat map may have: a snapshot is
// served until it is four times booking.DefaultSnapshotMaxAge (250 ms)
// old, and the previous snapshot's encoded map while a new one is being
// encoded, so 1 s plus the time of a re-read and an encoding, which the
// race detector and two shared cores stretch: half a second is allowed
// for them.
const seatMapBound = 1500 * time.Millisecond

// linzServeFlags keep every hold alive through the run (nothing expires
// under the model) and switch off the per-account rate limits, which the
// clients would otherwise meet within seconds.
var linzServeFlags = []string{"--hold-ttl", "1h", "--rate-limits=false"}

// linzRun is the size of one recorded run.
type linzRun struct {
	seats, seatClients, smallClients, seatOps, smallOps int
	timeout                                             time.Duration
}

func linzSize() linzRun {
	if n := *linzOps; n > 0 {
		small := n / 10
		return linzRun{seats: 64, seatClients: 40, smallClients: 8, seatOps: n - small, smallOps: small, timeout: time.Hour}
	}
	return linzRun{seats: 24, seatClients: 32, smallClients: 8, seatOps: 2400, smallOps: 800, timeout: 3 * time.Minute}
}

// recordLinz runs the workload against the servers at bases.
func recordLinz(t *testing.T, bases []string, size linzRun, seed uint64) *linz.History {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), size.timeout)
	defer cancel()
	tr := &http.Transport{MaxIdleConns: 200, MaxIdleConnsPerHost: 200, IdleConnTimeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	start := time.Now()
	h, err := linz.Run(ctx, linz.Config{
		Bases: bases, AdminEmail: "root@example.com", AdminPassword: "root-password",
		Seats: size.seats, SeatClients: size.seatClients, SmallClients: size.smallClients,
		SeatOps: size.seatOps, SmallOps: size.smallOps, SeatMapPercent: 3, Seed: seed,
		HTTP: &http.Client{Transport: tr, Timeout: 30 * time.Second},
	})
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	t.Logf("recorded %d operations from %d clients on %d instance(s) in %s (seed %d):\n%s",
		len(h.Ops), size.seatClients+size.smallClients, len(bases), time.Since(start).Round(time.Millisecond), seed, h.Counts())
	return h
}

// checkLinz checks h and fails t unless it is linearizable, its seat maps
// stay within the bound, and it did enough of everything to mean it.
func checkLinz(t *testing.T, h *linz.History, size linzRun) {
	t.Helper()
	for i, o := range h.Unexpected {
		if i == 10 {
			t.Errorf("… and %d more unexpected answers", len(h.Unexpected)-i)
			break
		}
		t.Errorf("unexpected answer: %s", o)
	}
	ambiguous := 0
	for _, o := range h.Ops {
		if o.Result == linz.Ambiguous {
			ambiguous++
			if o.Status == 500 || o.Status == 0 {
				t.Errorf("a write with no answer or a 500 (checked as may-or-may-not): %s", o)
			}
		}
	}
	checks, err := linz.Check(h, 10*time.Minute, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range checks {
		t.Logf("porcupine, %s", c)
		total += c.Ops
		if c.Result != porcupine.Ok {
			t.Errorf("the %s history is %s, want Ok; drawn in %s; the partition that fails:\n%s", c.Name, c.Result, c.Visualization, strings.Join(c.Failed, "\n"))
		}
	}
	rep := linz.CheckSeatMaps(h, seatMapBound)
	t.Logf("seat maps: %d reads, %d seat statuses checked against bounded staleness (%s): %d lagging, at most %s; %d ambiguous writes",
		rep.Reads, rep.Observations, seatMapBound, rep.Stale, rep.MaxLag.Round(time.Millisecond), ambiguous)
	for i, v := range rep.Violations {
		if i == 10 {
			t.Errorf("… and %d more", len(rep.Violations)-i)
			break
		}
		t.Errorf("seat map: %s", v)
	}
	t.Logf("linearizability: %d operations checked, anomalies: %d", total, countNotOk(checks)+len(rep.Violations))
	// Not vacuous: each of these happened often enough to have been tested.
	least := max(20, size.seatOps/100)
	for _, want := range []struct {
		event string
		kind  linz.Kind
		res   linz.Result
		n     int
	}{
		{"seats", linz.Hold, linz.OK, 4 * least}, {"seats", linz.Hold, linz.Conflict, 4 * least},
		{"seats", linz.Release, linz.OK, least}, {"seats", linz.Release, linz.Conflict, least / 4},
		{"seats", linz.Order, linz.OK, least}, {"seats", linz.Order, linz.Conflict, least / 4},
		{"seats", linz.OrderDeclined, linz.Declined, least / 4}, {"seats", linz.Refund, linz.OK, least},
		{"seats", linz.ReadHold, linz.OK, least}, {"seats", linz.ReadOrder, linz.OK, least / 2},
		{"small", linz.Hold, linz.OK, least / 2}, {"small", linz.Hold, linz.Conflict, least / 2},
		{"small", linz.Order, linz.OK, least / 4}, {"small", linz.Refund, linz.OK, least / 4},
		{"small", linz.ReadSales, linz.OK, least / 2},
	} {
		if got := h.Count(want.event, want.kind, want.res); got < want.n {
			t.Errorf("only %d %s %s %s, want at least %d for the check to mean something", got, want.event, want.kind, want.res, want.n)
		}
	}
	if rep.Observations < 10*size.seats {
		t.Errorf("only %d seat statuses read from seat maps, want at least %d", rep.Observations, 10*size.seats)
	}
}

func countNotOk(cs []linz.Checked) int {
	n := 0
	for _, c := range cs {
		if c.Result != porcupine.Ok {
			n++
		}
	}
	return n
}

// TestLinearizableSQLite records concurrent buyers against one real
// `boxoffice serve` on SQLite and checks the history with porcupine.
func TestLinearizableSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and records a few thousand operations")
	}
	t.Parallel()
	bin := buildBinary(t)
	db := "sqlite:" + filepath.Join(t.TempDir(), "linz.db")
	insts := startInstances(t, bin, db, 1, linzServeFlags...)
	size := linzSize()
	h := recordLinz(t, []string{insts[0].base}, size, uint64(time.Now().UnixNano()))
	checkLinz(t, h, size)
	stopInstances(t, insts)
}

// TestLinearizableThreePostgres records concurrent buyers against three
// `boxoffice serve` processes on one PostgreSQL, each request to any of
// them, and checks the history with porcupine.
func TestLinearizableThreePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary, starts three servers and records a few thousand operations")
	}
	t.Parallel()
	db := pgtest.URL(t)
	bin := buildBinary(t)
	insts := startInstances(t, bin, db, 3, linzServeFlags...)
	bases := make([]string, len(insts))
	for i, in := range insts {
		bases[i] = in.base
	}
	size := linzSize()
	h := recordLinz(t, bases, size, uint64(time.Now().UnixNano()))
	checkLinz(t, h, size)
	stopInstances(t, insts)
}

// TestLinearizabilityCatchesBrokenClaim builds the server with a claim
// that takes seats whatever their status (-tags brokenclaim, see
// internal/store/sqlite/claim_broken.go) and checks that porcupine finds
// its history not linearizable: the check above can fail.
func TestLinearizabilityCatchesBrokenClaim(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and records a thousand operations")
	}
	t.Parallel()
	bin := buildBinary(t, "-tags", "brokenclaim")
	db := "sqlite:" + filepath.Join(t.TempDir(), "broken.db")
	insts := startInstances(t, bin, db, 1, linzServeFlags...)
	size := linzRun{seats: 16, seatClients: 16, smallClients: 4, seatOps: 1000, smallOps: 200, timeout: 2 * time.Minute}
	h := recordLinz(t, []string{insts[0].base}, size, uint64(time.Now().UnixNano()))
	if h.Count("seats", linz.Hold, linz.OK) < 40 {
		t.Fatalf("only %d holds succeeded: too few to have raced", h.Count("seats", linz.Hold, linz.OK))
	}
	checks, err := linz.Check(h, time.Minute, t.ArtifactDir())
	if err != nil {
		t.Fatal(err)
	}
	illegal := 0
	for _, c := range checks {
		t.Logf("porcupine, %s", c)
		if c.Result == porcupine.Illegal {
			illegal++
			t.Logf("the %s history is not linearizable, as it must not be; drawn in %s; the first partition that fails:\n%s",
				c.Name, c.Visualization, strings.Join(c.Failed, "\n"))
		}
	}
	if illegal == 0 {
		t.Errorf("porcupine found the history of a server with a broken claim linearizable (%s); the check cannot fail", fmt.Sprint(checks))
	}
	stopInstances(t, insts)
}
