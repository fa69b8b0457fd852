package main

import (
	"bufio"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/failpoint"
	"github.com/boxoffice/boxoffice/internal/store/pgtest"
)

// The crash test's sizes. The defaults are the CI run of scripts/test;
// docs/reliability.md gives the long run's command and figures.
var (
	crashKills     = flag.Int("crash.kills", 3, "TestCrashAtEveryStep*: SIGKILLs at each failpoint (long run: 50)")
	crashHoldKills = flag.Int("crash.holdkills", 3, "TestCrashAtEveryStep*: extra SIGKILLs from outside while holds are placed (long run: 200)")
)

// crashOdds is each failpoint's probability of firing when passed: high
// enough that a run dies after a few operations, low enough that it dies
// in a different place of the work each time (another batch, another
// buyer, with or without other requests in flight).
var crashOdds = map[failpoint.Point]float64{
	failpoint.HoldBeforeCommit:     0.1,
	failpoint.HoldAfterCommit:      0.1,
	failpoint.CheckoutBeforeCharge: 0.25,
	failpoint.CheckoutAfterCharge:  0.25,
	failpoint.CheckoutAfterCommit:  0.25,
	failpoint.RefundAfterProvider:  0.35,
	failpoint.RefundAfterCommit:    0.35,
	failpoint.OutboxAfterSend:      0.35,
}

// TestCrashAtEveryStep is issue 13's "crash at every step" on the embedded
// engine. For each failpoint in turn it runs the real binary with that
// point armed, drives buyers (holds, checkouts, refunds by the admin)
// until the point kills the process with SIGKILL, and starts it again,
// still armed, -crash.kills times. Then it kills the process from outside
// at a random moment while holds are being placed, -crash.holdkills
// times. Finally it starts the binary with no failpoint armed, waits for
// the holds to expire, the reconcile job to settle what the crashes left
// pending and the outbox to drain, and checks the books (crashCheck):
// every charge in the sandbox's ledger is a paid order with its tickets
// or a refunded one, no order is charged or refunded twice, no seat is
// held, available + held + sold == capacity, and every paid order has
// its confirmation.
func TestCrashAtEveryStep(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it many times")
	}
	t.Parallel()
	dbFile := filepath.Join(t.TempDir(), "crash.db")
	runCrashSuite(t, "sqlite:"+dbFile, sqliteChecker(dbFile))
}

// TestCrashAtEveryStepPostgres is TestCrashAtEveryStep on PostgreSQL.
func TestCrashAtEveryStepPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it many times")
	}
	t.Parallel()
	db := pgtest.URL(t)
	runCrashSuite(t, db, postgresChecker(db))
}

func runCrashSuite(t *testing.T, db string, open dbOpener) {
	start := time.Now()
	books, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer books.Close()
	r := &crashRig{t: t, bin: buildBinary(t), db: db, sql: books, kills: map[string]int{}}
	p := r.start("")
	r.setUp(p)
	r.stop(p)

	for _, fp := range failpoint.All() {
		w := workload{refundOdds: 0.3}
		if strings.HasPrefix(string(fp), "refund.") {
			w.refundOdds = 1
		}
		for range *crashKills {
			spec := fmt.Sprintf("%s=kill@%g", fp, crashOdds[fp])
			p := r.start(spec)
			r.drive(p, w)
			r.expectKill(p, string(fp))
		}
	}
	for range *crashHoldKills {
		p := r.start("")
		stop := make(chan struct{})
		go func() {
			select {
			case <-time.After(time.Duration(50+rand.IntN(450)) * time.Millisecond):
				_ = p.cmd.Process.Kill()
			case <-stop:
			}
		}()
		r.drive(p, workload{holdsOnly: true})
		close(stop)
		r.expectKill(p, "external")
	}

	// The last start: nothing armed. It must settle everything.
	p = r.start("")
	f := crashCheck(t, r, p)
	r.stop(p)
	kills := 0
	var per []string
	for _, fp := range append(failpoint.All(), "external") {
		kills += r.kills[string(fp)]
		per = append(per, fmt.Sprintf("%s %d", fp, r.kills[string(fp)]))
	}
	t.Logf("crash at every step (%s): %d kills in %s: %s", r.db[:strings.IndexByte(r.db, ':')], kills,
		time.Since(start).Round(time.Second), strings.Join(per, ", "))
	t.Logf("operations: %s", r.ops.String())
	t.Logf("left by the kills and settled by the restarts: %s", r.strandedSummary())
	t.Logf("books: %s", f)
	if want := len(failpoint.All())**crashKills + *crashHoldKills; kills != want {
		t.Errorf("%d kills, want %d", kills, want)
	}
}

// crashRig runs the binary again and again on one database.
type crashRig struct {
	t     *testing.T
	bin   string
	db    string   // the --database URL
	flags []string // more server flags, after crashFlags
	sql   *sql.DB  // the same database, for the harness's own reads
	admin string
	event string
	// buyers are the tokens of the harness's buyers; sessions are in the
	// database, so they survive every crash.
	buyers []string
	ops    crashOps
	kills  map[string]int // by failpoint, "external" for the outside kills
	runs   int
	// stranded holds the ids found in each state a kill can leave (see
	// survey), over all the kills.
	stranded map[string]map[string]bool
}

// crashProc is one run of the binary.
type crashProc struct {
	cmd    *exec.Cmd
	base   string        // "" when it died before it listened
	log    *lockedBuffer // stdout, where the server logs
	stderr *lockedBuffer
	dead   chan struct{}
	err    error // cmd.Wait's, once dead is closed
}

func (p *crashProc) isDead() bool {
	select {
	case <-p.dead:
		return true
	default:
		return false
	}
}

// crashFlags are the server flags of every run: short holds, a short
// reconcile grace and outbox lease, so that the last run settles what the
// crashes left in seconds.
var crashFlags = []string{"--hold-ttl", "3s", "--reconcile-grace", "1s", "--outbox-lease", "2s", "--log-level", "warn"}

// start runs the binary with failpoints spec ("" arms none) and waits until
// it listens or dies: an armed outbox can kill it before it listens.
func (r *crashRig) start(spec string) *crashProc {
	t := r.t
	t.Helper()
	r.runs++
	args := append(append([]string{"serve", "--database", r.db, "--addr", "127.0.0.1:0"}, crashFlags...), r.flags...)
	cmd := exec.Command(r.bin, args...)
	cmd.Env = append(os.Environ(), "BOXOFFICE_ADMIN_EMAIL=root@example.com", "BOXOFFICE_ADMIN_PASSWORD=root-password",
		failpoint.EnvVar+"="+spec)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &crashProc{cmd: cmd, log: &lockedBuffer{}, stderr: &lockedBuffer{}, dead: make(chan struct{})}
	cmd.Stdout = p.log
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !p.isDead() {
			_ = cmd.Process.Kill()
			<-p.dead
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			fmt.Fprintln(p.stderr, sc.Text())
			if u, ok := strings.CutPrefix(sc.Text(), "Boxoffice is listening on "); ok {
				urls <- u
			}
		}
		p.err = cmd.Wait()
		close(p.dead)
	}()
	select {
	case p.base = <-urls:
	case <-p.dead:
	case <-time.After(60 * time.Second):
		t.Fatalf("run %d (%q) did not listen within 60s; stderr:\n%s", r.runs, spec, p.stderr)
	}
	return p
}

// expectKill waits for p to die and checks that it died of SIGKILL, by
// failpoint fp (its log says so) or from outside ("external"), and not of
// anything else: a panic or an error exit is a bug the crash found.
func (r *crashRig) expectKill(p *crashProc, fp string) {
	t := r.t
	t.Helper()
	select {
	case <-p.dead:
	case <-time.After(90 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.dead
		t.Fatalf("run %d: failpoint %s did not fire within 90s; operations so far: %s", r.runs, fp, r.ops.String())
	}
	var ee *exec.ExitError
	killed := errors.As(p.err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
	fired := firedFailpoints(p.log.String())
	switch {
	case !killed:
		t.Fatalf("run %d: the process ended with %v, not SIGKILL; log:\n%s%s", r.runs, p.err, p.log, p.stderr)
	// Two requests may pass an armed point in the instant before the
	// signal lands: each logs; all must be the armed point.
	case fp == "external" && len(fired) > 0, fp != "external" && (len(fired) == 0 || slices.ContainsFunc(fired, func(f string) bool { return f != fp })):
		t.Fatalf("run %d: want a kill by %s, the log shows failpoints %v fired; log:\n%s%s", r.runs, fp, fired, p.log, p.stderr)
	}
	r.kills[fp]++
	left := r.survey()
	if state, ok := strandedBy[failpoint.Point(fp)]; ok && len(left[state]) == 0 {
		t.Errorf("run %d: a kill at %s left no %s", r.runs, fp, state)
	}
}

// firedFailpoints lists the failpoints a run's log says fired.
func firedFailpoints(stderr string) []string {
	var out []string
	for line := range strings.SplitSeq(stderr, "\n") {
		if !strings.Contains(line, "failpoint fired") {
			continue
		}
		_, rest, _ := strings.Cut(line, `"failpoint":"`)
		name, _, _ := strings.Cut(rest, `"`)
		out = append(out, name)
	}
	return out
}

// stop ends a run the polite way and checks it exits 0.
func (r *crashRig) stop(p *crashProc) {
	r.t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.dead:
		if p.err != nil {
			r.t.Errorf("run %d exited with %v; stderr:\n%s", r.runs, p.err, p.stderr)
		}
	case <-time.After(30 * time.Second):
		r.t.Errorf("run %d still running 30s after SIGTERM", r.runs)
	}
}
