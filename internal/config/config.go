// Package config is the one Config of the service: every setting, its
// default and its environment variable in one place. Flags win over
// BOXOFFICE_* variables, which win over defaults.
package config

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Config is everything `boxoffice serve` can be told.
type Config struct {
	Addr          string
	Database      string
	HoldTTL       time.Duration
	Payments      string
	Demo          bool
	AdminEmail    string
	AdminPassword string
	LogLevel      string
	LogFormat     string
	DebugAddr     string
	DBMaxConns    int
	// DBStatementTimeout bounds every PostgreSQL statement.
	DBStatementTimeout time.Duration
	// PaymentLatency simulates the fake provider's network time (benchmarks).
	PaymentLatency time.Duration
	// StripeSecretKey is read from STRIPE_SECRET_KEY only (never a flag,
	// which ps would show) and never logged.
	StripeSecretKey string
	// StripeAPIURL points the Stripe adapter at another API base, such as
	// a local stripe-mock; Stripe's own when empty.
	StripeAPIURL string
	// PaymentTimeout bounds one call to a real provider (Stripe); a call
	// cut off after the charge leaves the order to reconciliation.
	PaymentTimeout time.Duration
	// ReconcileGrace is how long an order stays pending before the
	// reconcile job asks the provider about it: a minute for the sandbox,
	// more for Stripe, whose search (Lookup) lags up to about a minute.
	ReconcileGrace time.Duration
	// Jobs runs the background jobs in this process (on by default).
	Jobs bool
	// DrainTimeout bounds shutdown: after SIGTERM, requests in flight get
	// this long to finish before they are cancelled and their connections
	// closed, so a rolling deploy never waits on a stuck request or stream.
	DrainTimeout time.Duration
	// RateLimits are the per-instance token buckets of the API gateway.
	RateLimits RateLimits
	// QueuePassTTL is how long a waiting-room pass admits its holder after
	// they were admitted.
	QueuePassTTL time.Duration
	// GroupCommit batches each event's holds and checkouts into shared
	// transactions; off, each is a transaction of its own (for comparison).
	GroupCommit bool
	// GroupCommitBatch bounds the writes of one batch.
	GroupCommitBatch int
	// GroupCommitConcurrency is how many batches of one event an instance
	// writes at once; 0 picks the engine's (1 on SQLite, 4 on PostgreSQL).
	GroupCommitConcurrency int
	// Notify configures confirmations by e-mail and SMS.
	Notify Notify
	// MaxInFlightWrites bounds the holds, orders and queue joins an
	// instance works on at once; past it a request waits OverloadWait for
	// a slot, then gets 503 with Retry-After. 0 turns it off.
	MaxInFlightWrites int
	OverloadWait      time.Duration
	// Wallet configures the tickets' wallet passes.
	Wallet Wallet
}

// Notify configures how messages to buyers are sent.
type Notify struct {
	// SMTPURL is the mail server (smtp://user:pass@host:587, smtps://…:465);
	// "" sends mail to the log (and the developer mailbox).
	SMTPURL string
	// SMTPTimeout bounds the dial and each command of an SMTP exchange.
	SMTPTimeout time.Duration
	// MailFrom is the sender of every e-mail.
	MailFrom string
	// PublicURL is where buyers reach Boxoffice, for links in messages;
	// derived from --addr when "".
	PublicURL string
	// DevMailbox keeps what would have been sent, when no SMTP server or
	// SMS provider is set, for the admins' /dev/mail page (on with --demo).
	DevMailbox bool
	// SMSProvider is "twilio" (Twilio's Messages API, or anything shaped
	// like it at TwilioAPIURL) or "" (SMS to the log and dev mailbox).
	SMSProvider string
	// TwilioAPIURL is the Messages API base (https://api.twilio.com).
	TwilioAPIURL string
	// TwilioAccountSID and TwilioFrom name the account and the sender.
	TwilioAccountSID string
	TwilioFrom       string
	// TwilioAuthToken is read from TWILIO_AUTH_TOKEN only, never a flag.
	TwilioAuthToken string
	// Lease is how long an instance has to send the messages it claimed
	// before another may send them (at-least-once: see package notify).
	Lease time.Duration
	// MaxAttempts failed attempts make a message dead.
	MaxAttempts int
}

// Defaults returns the embedded, zero-set-up configuration.
func Defaults() Config {
	return Config{Addr: ":8080", Database: "sqlite:boxoffice.db", HoldTTL: 5 * time.Minute, Payments: "fake",
		LogLevel: "info", LogFormat: "json", DBMaxConns: 20,
		DBStatementTimeout: 5 * time.Second, Jobs: true, DrainTimeout: 20 * time.Second,
		PaymentTimeout: 10 * time.Second, ReconcileGrace: time.Minute, RateLimits: defaultRateLimits(),
		QueuePassTTL: 15 * time.Minute, GroupCommit: true, GroupCommitBatch: 64, MaxInFlightWrites: 256, OverloadWait: 25 * time.Millisecond,
		Notify: Notify{SMTPTimeout: 15 * time.Second, MailFrom: "Boxoffice <tickets@boxoffice.localhost>", TwilioAPIURL: "https://api.twilio.com", Lease: time.Minute, MaxAttempts: 10},
		Wallet: Wallet{Organization: "Boxoffice"}}
}

// Parse reads flags for a subcommand, with BOXOFFICE_<NAME> environment
// variables as the fallback for each.
func Parse(name string, args []string, getenv func(string) string, out io.Writer) (Config, error) {
	c := Defaults()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address")
	fs.StringVar(&c.Database, "database", c.Database, "sqlite:FILE or postgres://user@host/db")
	fs.DurationVar(&c.HoldTTL, "hold-ttl", c.HoldTTL, "how long a hold keeps its seats")
	fs.StringVar(&c.Payments, "payments", c.Payments, "payment provider: fake (the built-in sandbox) or stripe (STRIPE_SECRET_KEY)")
	fs.StringVar(&c.StripeAPIURL, "stripe-api-url", c.StripeAPIURL, "Stripe API base URL (a local stripe-mock in tests); Stripe's when empty")
	fs.DurationVar(&c.PaymentTimeout, "payment-timeout", c.PaymentTimeout, "longest one call to the payment provider (stripe) may take")
	fs.DurationVar(&c.ReconcileGrace, "reconcile-grace", c.ReconcileGrace, "age of a pending order before reconciliation asks the provider (default 1m, 2m with stripe)")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "load demo data into an empty database")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "json or text")
	fs.StringVar(&c.DebugAddr, "debug-addr", c.DebugAddr, "listen address for /debug/pprof (off when empty)")
	fs.IntVar(&c.DBMaxConns, "db-max-conns", c.DBMaxConns, "database connection pool size (PostgreSQL)")
	fs.DurationVar(&c.DBStatementTimeout, "db-statement-timeout", c.DBStatementTimeout, "longest a PostgreSQL statement may run; any reply of the server is waited for at most 2s more")
	fs.DurationVar(&c.PaymentLatency, "payment-latency", c.PaymentLatency, "simulated latency of the fake payment provider")
	fs.BoolVar(&c.Jobs, "jobs", c.Jobs, "run background jobs (hold sweeper, reconcile, outbox) in this process")
	fs.DurationVar(&c.DrainTimeout, "drain-timeout", c.DrainTimeout, "longest shutdown waits for requests in flight before cancelling them")
	c.RateLimits.rateLimitFlags(fs)
	fs.BoolVar(&c.GroupCommit, "group-commit", c.GroupCommit, "batch each event's holds and checkouts into shared transactions")
	fs.IntVar(&c.GroupCommitBatch, "group-commit-batch", c.GroupCommitBatch, "most writes in one group-commit batch")
	fs.IntVar(&c.GroupCommitConcurrency, "group-commit-concurrency", c.GroupCommitConcurrency, "batches of one event written at once (0: 1 on SQLite, 4 on PostgreSQL)")
	fs.DurationVar(&c.QueuePassTTL, "queue-pass-ttl", c.QueuePassTTL, "how long a waiting-room pass admits its holder (a hold, a checkout and a retry)")
	c.Notify.flags(fs)
	c.Wallet.flags(fs)
	fs.IntVar(&c.MaxInFlightWrites, "max-inflight-writes", c.MaxInFlightWrites, "most holds, orders and queue joins worked on at once; past it, 503 with Retry-After (0: no limit)")
	fs.DurationVar(&c.OverloadWait, "overload-wait", c.OverloadWait, "how long a write waits for a slot under --max-inflight-writes before it is refused")
	// Environment first, so that flags given on the command line override it.
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		env := "BOXOFFICE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(env); v != "" {
			if err := f.Value.Set(v); err != nil && envErr == nil {
				envErr = fmt.Errorf("%s=%q: %w", env, v, err)
			}
		}
	})
	if envErr != nil {
		return c, envErr
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	c.AdminEmail, c.AdminPassword = getenv("BOXOFFICE_ADMIN_EMAIL"), getenv("BOXOFFICE_ADMIN_PASSWORD")
	c.StripeSecretKey = getenv("STRIPE_SECRET_KEY")
	c.Notify.TwilioAuthToken = getenv("TWILIO_AUTH_TOKEN")
	devSet := getenv("BOXOFFICE_DEV_MAILBOX") != ""
	fs.Visit(func(f *flag.Flag) { devSet = devSet || f.Name == "dev-mailbox" })
	if c.Demo && !devSet {
		c.Notify.DevMailbox = true
	}
	if c.Notify.PublicURL == "" {
		c.Notify.PublicURL = publicURL(c.Addr)
	}
	graceSet := getenv("BOXOFFICE_RECONCILE_GRACE") != ""
	fs.Visit(func(f *flag.Flag) { graceSet = graceSet || f.Name == "reconcile-grace" })
	if c.Payments == "stripe" && !graceSet {
		// Stripe's search, which Lookup uses, lags about a minute.
		c.ReconcileGrace = 2 * time.Minute
	}
	return c, c.validate()
}

func (c Config) validate() error {
	if c.GroupCommitBatch < 1 || c.GroupCommitBatch > 1000 {
		return fmt.Errorf("--group-commit-batch must be between 1 and 1000")
	}
	if c.GroupCommitConcurrency < 0 || c.GroupCommitConcurrency > 64 {
		return fmt.Errorf("--group-commit-concurrency must be between 0 and 64")
	}
	if c.HoldTTL < time.Second {
		return fmt.Errorf("--hold-ttl must be at least 1s")
	}
	switch c.Payments {
	case "fake":
	case "stripe":
		if c.StripeSecretKey == "" {
			return fmt.Errorf("--payments stripe needs STRIPE_SECRET_KEY (sk_test_… or sk_live_…)")
		}
	default:
		return fmt.Errorf("--payments %q: choose fake (the built-in sandbox) or stripe", c.Payments)
	}
	if c.PaymentTimeout < 100*time.Millisecond {
		return fmt.Errorf("--payment-timeout must be at least 100ms")
	}
	if c.ReconcileGrace < time.Second {
		return fmt.Errorf("--reconcile-grace must be at least 1s")
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return fmt.Errorf("--log-format must be json or text")
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	if c.DBMaxConns < 1 {
		return fmt.Errorf("--db-max-conns must be at least 1")
	}
	if c.DrainTimeout < 100*time.Millisecond {
		return fmt.Errorf("--drain-timeout must be at least 100ms")
	}
	if c.DBStatementTimeout < time.Millisecond {
		return fmt.Errorf("--db-statement-timeout must be at least 1ms")
	}
	if c.QueuePassTTL < 10*time.Second {
		return fmt.Errorf("--queue-pass-ttl must be at least 10s")
	}
	if c.MaxInFlightWrites < 0 || c.MaxInFlightWrites > 100_000 {
		return fmt.Errorf("--max-inflight-writes must be between 0 and 100000")
	}
	if c.OverloadWait < 0 || c.OverloadWait > 10*time.Second {
		return fmt.Errorf("--overload-wait must be between 0s and 10s")
	}
	if err := c.Notify.validate(); err != nil {
		return err
	}
	if err := c.Wallet.validate(); err != nil {
		return err
	}
	return c.RateLimits.validate()
}

// Level is the parsed log level.
func (c Config) Level() slog.Level {
	var l slog.Level
	_ = l.UnmarshalText([]byte(c.LogLevel))
	return l
}

// LogValue masks secrets, so the config can be logged at start-up.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("addr", c.Addr), slog.String("database", MaskURL(c.Database)), slog.Duration("hold_ttl", c.HoldTTL),
		slog.String("payments", c.Payments), slog.Bool("stripe_secret_key_set", c.StripeSecretKey != ""), slog.String("stripe_api_url", c.StripeAPIURL), slog.Bool("demo", c.Demo), slog.String("admin_email", c.AdminEmail),
		slog.Bool("admin_password_set", c.AdminPassword != ""), slog.String("debug_addr", c.DebugAddr), slog.Int("db_max_conns", c.DBMaxConns),
		slog.Duration("drain_timeout", c.DrainTimeout), slog.Bool("rate_limits", c.RateLimits.Enabled),
		slog.String("smtp_url", MaskURL(c.Notify.SMTPURL)), slog.String("sms_provider", c.Notify.SMSProvider),
		slog.Bool("twilio_auth_token_set", c.Notify.TwilioAuthToken != ""), slog.String("public_url", c.Notify.PublicURL),
		slog.Bool("dev_mailbox", c.Notify.DevMailbox), slog.Bool("wallet_cert_set", c.Wallet.CertFile != ""),
		slog.Bool("google_wallet_service_account_set", c.Wallet.GoogleServiceAccount != ""))
}

// MaskURL hides the password of a database URL.
func MaskURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
