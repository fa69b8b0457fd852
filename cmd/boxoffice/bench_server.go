package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// benchServer is a `boxoffice serve --demo` that the bench started.
type benchServer struct {
	cmd *exec.Cmd
	url string
}

func startBenchServer(ctx context.Context, c benchConfig, stderr io.Writer) (*benchServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	// --demo turns the developer mailbox on; an on-sale in production has
	// it off (its mail goes to a relay, composed in full), so the bench
	// sends the confirmations to the log as before.
	cmd := exec.CommandContext(ctx, exe, "serve", "--demo", "--dev-mailbox=false", "--addr", "127.0.0.1:0", "--database", c.database,
		"--log-level", "warn", "--payment-latency", c.payLatency.String())
	cmd.Env = append(os.Environ(), "BOXOFFICE_ADMIN_EMAIL=", "BOXOFFICE_ADMIN_PASSWORD=")
	out, err := cmd.StderrPipe() // where serve says its address
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &benchServer{cmd: cmd}
	sc := bufio.NewScanner(out)
	var before []string // what it said before it listened: the reason, if it never does
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "Boxoffice is listening on "); ok {
			s.url = u
			break
		}
		before = append(before, sc.Text())
	}
	if s.url == "" {
		s.stop()
		return nil, fmt.Errorf("the server did not start: %s", strings.Join(before, "\n"))
	}
	go func() { _, _ = io.Copy(stderr, out) }()
	return s, nil
}

func (s *benchServer) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	_ = s.cmd.Wait()
}

// peakRSS reads the server's high-water resident set size from /proc.
func (s *benchServer) peakRSS() string { return vmHWM(strconv.Itoa(s.cmd.Process.Pid)) }

// vmHWM is the peak resident set size of process pid ("self" for this
// one), as /proc reports it.
func vmHWM(pid string) string {
	if kb, ok := procStatusKB(pid, "VmHWM"); ok {
		return strconv.FormatInt(kb, 10) + " kB"
	}
	return "unknown"
}
