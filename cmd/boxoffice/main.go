// Command boxoffice is the whole service in one binary: `serve` runs the
// API and the background jobs, `migrate` applies schema migrations,
// `bench` measures an on-sale, `version` says what this build is.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	_ "time/tzdata" // venues name IANA time zones; don't depend on the host's tzdata
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "boxoffice:", err)
		os.Exit(1)
	}
}

const usage = `Usage: boxoffice <command> [flags]

Commands:
  serve     run the service (add --demo for demo data)
  migrate   apply database migrations and exit
  bench     measure an on-sale against a running or in-process server
  bench-queue  rehearse a waiting room: fairness, admission rate, passes, 100,000 waiting
  bench-flash  rehearse a flash crowd: 10,000 buyers at the last 100 seats, then 4x the capacity
  verify-draw  check an event's published waiting-room draw against its commitment
  version   print the version

Run 'boxoffice <command> -h' for a command's flags.
`

// run is main without the process: testable with any arguments,
// environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, args[1:], getenv, stdout, stderr)
	case "bench":
		return bench(ctx, args[1:], getenv, stdout, stderr)
	case "bench-queue":
		return benchQueue(ctx, args[1:], stdout, stderr)
	case "bench-flash":
		return benchFlash(ctx, args[1:], stdout, stderr)
	case "verify-draw":
		return verifyDraw(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "boxoffice", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " (" + s.Value[:12] + ")"
		}
	}
	return v + " " + bi.GoVersion
}
