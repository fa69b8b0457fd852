package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadmeWalkThrough runs the README's walk-through, taken from the
// README itself so that the two cannot drift apart, as a newcomer would:
// against `serve --demo` in a fresh directory (the README's first command),
// with nothing on the PATH but curl and a few of the base system's tools —
// no jq. It runs it twice in a row and once more after a restart on the
// same data, and each run must buy two new tickets. It also checks that
// the demo server's stdout is its JSON log alone, the banner on stderr.
func TestReadmeWalkThrough(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "\n    go run ./cmd/boxoffice serve --demo\n") {
		t.Fatal("the README no longer starts the demo with `go run ./cmd/boxoffice serve --demo`; update this test")
	}
	script := walkThrough(t, string(readme))
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("curl is not installed; CI must run the README's walk-through")
		}
		t.Skip("SKIPPING: curl is not installed")
	}
	// A PATH of curl and base tools only: a walk-through that needs jq (or
	// anything else a fresh machine lacks) fails here.
	tools := t.TempDir()
	for _, name := range []string{"sed", "grep", "cut", "tr", "head", "tail", "cat", "date"} {
		if p, err := exec.LookPath(name); err == nil {
			if err := os.Symlink(p, filepath.Join(tools, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Symlink(curl, filepath.Join(tools, "curl")); err != nil {
		t.Fatal(err)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("SKIPPING: no bash")
	}

	// Without -race: this test is about the README, and the demo's 300,000
	// places load several times slower under the race detector.
	bin := filepath.Join(t.TempDir(), "boxoffice")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir() // a fresh data directory: serve's default database is ./boxoffice.db
	srv := startDemo(t, bin, dir)
	runs := []walkResult{walk(t, bash, tools, srv.base, script), walk(t, bash, tools, srv.base, script)}
	srv.stop(t)
	srv = startDemo(t, bin, dir) // the same data: the demo is not loaded again
	runs = append(runs, walk(t, bash, tools, srv.base, script))
	srv.stop(t)
	holds, orders := map[string]bool{}, map[string]bool{}
	for _, r := range runs {
		holds[r.hold], orders[r.order] = true, true
	}
	if len(holds) != len(runs) || len(orders) != len(runs) {
		t.Errorf("the runs did not each make a hold and an order of their own: %+v", runs)
	}
}

// walkThrough returns the README's walk-through: the indented block after
// the heading "A five-line walk-through", one command a line.
func walkThrough(t *testing.T, readme string) string {
	t.Helper()
	_, after, ok := strings.Cut(readme, "\n## A five-line walk-through\n")
	if !ok {
		t.Fatal("the README has no section \"A five-line walk-through\"")
	}
	var lines []string
	for l := range strings.SplitSeq(after, "\n") {
		if cmd, ok := strings.CutPrefix(l, "    "); ok {
			lines = append(lines, cmd)
		} else if len(lines) > 0 {
			break
		}
	}
	if len(lines) != 5 {
		t.Fatalf("the walk-through has %d lines, the heading says five:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	return strings.Join(lines, "\n")
}

type walkResult struct{ hold, order string }

// walk runs the walk-through once against base, in bash with the strict
// options (a failed curl or an unset variable ends it), and checks what it
// printed: the offers, then a paid order of two tickets for the hold.
func walk(t *testing.T, bash, tools, base, script string) walkResult {
	t.Helper()
	full := "set -euo pipefail\n" + strings.ReplaceAll(script, "localhost:8080", strings.TrimPrefix(base, "http://")) +
		"\nprintf '%s %s %s\\n' \"$TOKEN\" \"$EVENT\" \"$HOLD\"\n"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, "-c", full)
	cmd.Env = []string{"PATH=" + tools, "HOME=" + t.TempDir(), "LC_ALL=C"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the walk-through failed: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("the walk-through printed %d lines, want the offers and the order:\n%s", len(lines)-1, out)
	}
	var offers struct {
		Offers []struct{ Available int } `json:"offers"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &offers); err != nil || len(offers.Offers) == 0 || offers.Offers[0].Available < 2 {
		t.Errorf("offers: %v\n%s", err, lines[0])
	}
	var ids [3]string
	if _, err := fmt.Sscan(lines[2], &ids[0], &ids[1], &ids[2]); err != nil ||
		!strings.HasPrefix(ids[0], "bo_") || !strings.HasPrefix(ids[1], "evt_") || !strings.HasPrefix(ids[2], "hld_") {
		t.Fatalf("TOKEN, EVENT and HOLD are %q (%v); want a session token, an event id and a hold id", lines[2], err)
	}
	var order struct {
		Order struct {
			ID, Status string
			HoldID     string `json:"hold_id"`
			Tickets    []struct{ ID string }
		} `json:"order"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &order); err != nil || order.Order.Status != "paid" ||
		order.Order.HoldID != ids[2] || len(order.Order.Tickets) != 2 {
		t.Fatalf("the order is not a paid order of two tickets for hold %s: %v\n%s", ids[2], err, lines[1])
	}
	return walkResult{hold: ids[2], order: order.Order.ID}
}

// demoServer is `boxoffice serve --demo` run as the README runs it, in its
// own directory.
type demoServer struct {
	cmd            *exec.Cmd
	base           string
	stdout, stderr *lockedBuffer
	exited         chan struct{} // closed when the process has been waited for
	err            error         // what Wait said; read after exited
}

func startDemo(t *testing.T, bin, dir string) *demoServer {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--demo", "--addr", "127.0.0.1:0")
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BOXOFFICE_") && !strings.HasPrefix(kv, "OTEL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	s := &demoServer{cmd: cmd, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stdout = s.stdout
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = cmd.Process.Kill()
			<-s.exited
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			fmt.Fprintln(s.stderr, sc.Text())
			if u, ok := strings.CutPrefix(sc.Text(), "Boxoffice is listening on "); ok {
				urls <- u
			}
		}
		_, _ = io.Copy(io.Discard, pipe)
		s.err = cmd.Wait()
		close(s.exited)
	}()
	select {
	case s.base = <-urls:
	case <-s.exited:
		t.Fatalf("serve --demo exited: %v\nstderr:\n%s", s.err, s.stderr)
	case <-time.After(3 * time.Minute):
		t.Fatalf("serve --demo did not listen within 3 minutes; stderr:\n%s", s.stderr)
	}
	return s
}

// stop interrupts the server as Ctrl-C would and checks what it printed:
// the demo accounts and the address on stderr, and on stdout its JSON log
// and nothing else.
func (s *demoServer) stop(t *testing.T) {
	t.Helper()
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
		if s.err != nil {
			t.Errorf("serve --demo did not stop cleanly: %v\nstderr:\n%s", s.err, s.stderr)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve --demo did not stop within 60s of an interrupt")
	}
	if !strings.Contains(s.stderr.String(), "Demo accounts:\n") {
		t.Errorf("stderr lacks the demo accounts:\n%s", s.stderr)
	}
	n := 0
	for l := range strings.SplitSeq(strings.TrimRight(s.stdout.String(), "\n"), "\n") {
		n++
		if !json.Valid([]byte(l)) {
			t.Errorf("stdout line %d is not JSON: %q", n, l)
		}
	}
}
