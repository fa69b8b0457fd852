package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/app"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/demo"
)

// Demo accounts, printed at start-up by serve --demo.
var demoAccounts = []account.Registration{
	{Email: "admin@example.com", Password: "boxoffice-admin", Name: "Demo Organizer", Role: account.RoleAdmin},
	{Email: "gate@example.com", Password: "boxoffice-gate", Name: "Demo Gate Staff", Role: account.RoleStaff},
	{Email: "buyer@example.com", Password: "boxoffice-buyer", Name: "Demo Buyer", Role: account.RoleCustomer},
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Parse("serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	log := app.NewLogger(cfg, stdout)
	a, err := app.New(ctx, cfg, app.Options{Log: log, Getenv: getenv})
	if err != nil {
		return err
	}
	defer a.Close()
	log.Info("starting", "config", cfg, "version", version())
	// What is for the person at the terminal (the demo accounts, where to
	// point a browser) goes to stderr: stdout is the JSON log alone, for
	// whatever collects it.
	if cfg.Demo {
		if err := loadDemo(ctx, a, stderr); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "Boxoffice is listening on %s\n", displayURL(ln.Addr()))
	return a.Serve(ctx, ln)
}

func displayURL(addr net.Addr) string {
	host, port, _ := net.SplitHostPort(addr.String())
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// loadDemo creates the demo accounts and, into an empty catalog, the demo
// venues and events.
func loadDemo(ctx context.Context, a *app.App, out io.Writer) error {
	root := account.User{Role: account.RoleAdmin}
	var admin account.User
	for _, r := range demoAccounts {
		u, err := a.Accounts.CreateUser(ctx, root, r)
		if apperr.Is(err, apperr.EmailTaken) {
			continue
		}
		if err != nil {
			return err
		}
		if u.Role == account.RoleAdmin {
			admin = u
		}
	}
	if admin.ID == "" {
		admin = root
	}
	start := time.Now()
	sum, err := demo.Load(ctx, a.Catalog, admin, a.Clock.Now())
	switch {
	case errors.Is(err, demo.ErrNotEmpty):
		fmt.Fprintln(out, "Demo data: the database already has venues; nothing loaded.")
	case err != nil:
		return err
	default:
		// Statistics for the planner right away, where the engine keeps
		// them (PostgreSQL), rather than whenever autovacuum comes by.
		if an, ok := a.Store.(interface{ Analyze(context.Context) error }); ok {
			if err := an.Analyze(ctx); err != nil {
				return fmt.Errorf("analyze after the demo load: %w", err)
			}
		}
		fmt.Fprintf(out, "Demo data: %d venues, %d events, %d places on sale, loaded in %s.\n", sum.Venues, sum.Events, sum.Seats,
			time.Since(start).Round(time.Millisecond))
		for _, h := range sum.Highlights {
			fmt.Fprintf(out, "  %s\n    /events/%s\n", h.Name, h.EventID)
		}
	}
	var b strings.Builder
	for _, r := range demoAccounts {
		fmt.Fprintf(&b, "  %-8s %-20s password %s\n", r.Role, r.Email, r.Password)
	}
	fmt.Fprintf(out, "Demo accounts:\n%s", b.String())
	return nil
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Parse("migrate", args, getenv, stderr)
	if err != nil {
		return err
	}
	st, err := app.OpenEngine(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(stdout, "database %s is up to date\n", config.MaskURL(cfg.Database))
	return nil
}
