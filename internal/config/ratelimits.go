package config

import (
	"flag"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Limit is one token bucket: Events per Per on average, and up to Burst
// at once after a quiet spell. The burst is what a person doing things by
// hand never exhausts; the rate is what a script cannot get past.
type Limit struct {
	Events int
	Per    time.Duration
	Burst  int
}

// Off reports whether the limit lets everything through.
func (l Limit) Off() bool { return l.Events <= 0 || l.Burst <= 0 || l.Per <= 0 }

// String is the flag syntax, such as "10/m:20", or "off".
func (l Limit) String() string {
	if l.Off() {
		return "off"
	}
	per := l.Per.String()
	switch l.Per {
	case time.Second:
		per = "s"
	case time.Minute:
		per = "m"
	case time.Hour:
		per = "h"
	}
	return fmt.Sprintf("%d/%s:%d", l.Events, per, l.Burst)
}

// ParseLimit reads EVENTS/PER[:BURST]: "10/m:20" is ten a minute with
// bursts of twenty, "600/m" a burst of one period's worth, "5/30s" five
// every thirty seconds; PER is s, m, h or a Go duration. "off" or "0"
// disables the limit.
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return Limit{}, nil
	}
	events, rest, ok := strings.Cut(s, "/")
	if !ok {
		return Limit{}, fmt.Errorf("%q: want EVENTS/PER[:BURST], such as 10/m:20, or off", s)
	}
	per, burst, hasBurst := strings.Cut(rest, ":")
	var l Limit
	var err error
	if l.Events, err = strconv.Atoi(events); err != nil || l.Events < 1 {
		return Limit{}, fmt.Errorf("%q: the number of events must be a positive integer", s)
	}
	switch per {
	case "s", "sec":
		l.Per = time.Second
	case "m", "min":
		l.Per = time.Minute
	case "h", "hour":
		l.Per = time.Hour
	default:
		if l.Per, err = time.ParseDuration(per); err != nil || l.Per < time.Millisecond {
			return Limit{}, fmt.Errorf("%q: the period must be s, m, h or a duration of at least 1ms", s)
		}
	}
	l.Burst = l.Events
	if hasBurst {
		if l.Burst, err = strconv.Atoi(burst); err != nil || l.Burst < 1 {
			return Limit{}, fmt.Errorf("%q: the burst must be a positive integer", s)
		}
	}
	return l, nil
}

// RateLimits are the gateway's token buckets (httpapi/ratelimit.go). They
// are per instance and in memory: abuse protection, not the rules that
// decide who gets a seat, which live in the database.
type RateLimits struct {
	// Enabled is false only for benchmarks and load tests.
	Enabled bool
	// TrustedProxies are the peers whose X-Forwarded-For is believed: the
	// load balancers in front of the service. Without them the client is
	// the TCP peer, since anyone can send the header.
	TrustedProxies []netip.Prefix
	// Exempt client addresses skip the per-address buckets (not the
	// per-account ones): by default loopback, where the benchmark, local
	// tools and health checks run.
	Exempt []netip.Prefix
	// MaxKeys bounds the buckets kept in memory, so a flood from many
	// addresses cannot grow it without limit.
	MaxKeys int

	LoginIP, LoginEmail, RegisterIP Limit
	HoldAccount, HoldIP             Limit
	OrderAccount, OrderIP           Limit
	QueueAccount, QueueIP           Limit
}

// defaultRateLimits are set so that a buyer clicking, retrying and
// mistyping never meets them, while a script hammering one endpoint does
// within seconds. The per-account hold and order bursts also cover a whole
// `boxoffice bench` buyer account (at most 100 tickets, so about 50 holds
// and 50 orders), and the bench talks to its servers over loopback, which
// is exempt from the per-address buckets.
func defaultRateLimits() RateLimits {
	return RateLimits{Enabled: true, MaxKeys: 100_000,
		Exempt:       []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
		LoginIP:      Limit{10, time.Minute, 20},
		LoginEmail:   Limit{5, time.Minute, 10},
		RegisterIP:   Limit{5, time.Minute, 10},
		HoldAccount:  Limit{120, time.Minute, 60},
		HoldIP:       Limit{1200, time.Minute, 200},
		OrderAccount: Limit{60, time.Minute, 60},
		OrderIP:      Limit{600, time.Minute, 100},
		QueueAccount: Limit{10, time.Minute, 10},
		QueueIP:      Limit{60, time.Minute, 60},
	}
}

// rateLimitFlags declares the --rate-* flags on fs.
func (r *RateLimits) rateLimitFlags(fs *flag.FlagSet) {
	fs.BoolVar(&r.Enabled, "rate-limits", r.Enabled, "answer 429 rate_limited past the --rate-* limits (false for benchmarks)")
	fs.Var((*prefixes)(&r.TrustedProxies), "trusted-proxy", "comma-separated `CIDRs` of load balancers whose X-Forwarded-For names the client")
	fs.Var((*prefixes)(&r.Exempt), "rate-limit-exempt", "comma-separated `CIDRs` of clients that skip the per-address limits, or none")
	fs.IntVar(&r.MaxKeys, "rate-limit-max-keys", r.MaxKeys, "most rate-limit buckets kept in memory (least recently used go first)")
	for _, f := range []struct {
		name, usage string
		l           *Limit
	}{
		{"rate-login-ip", "sign-ins per client address", &r.LoginIP},
		{"rate-login-email", "sign-ins per e-mail address, from anywhere", &r.LoginEmail},
		{"rate-register-ip", "sign-ups per client address", &r.RegisterIP},
		{"rate-hold-account", "holds per account", &r.HoldAccount},
		{"rate-hold-ip", "holds per client address", &r.HoldIP},
		{"rate-order-account", "orders per account", &r.OrderAccount},
		{"rate-order-ip", "orders per client address", &r.OrderIP},
		{"rate-queue-account", "waiting-room joins per account", &r.QueueAccount},
		{"rate-queue-ip", "waiting-room joins per client address", &r.QueueIP},
	} {
		fs.Var((*limitFlag)(f.l), f.name, f.usage+", as `EVENTS/PER[:BURST]` (10/m:20) or off")
	}
}

func (r RateLimits) validate() error {
	if r.Enabled && r.MaxKeys < 1000 {
		return fmt.Errorf("--rate-limit-max-keys must be at least 1000")
	}
	return nil
}

type limitFlag Limit

func (f *limitFlag) String() string { return Limit(*f).String() }

func (f *limitFlag) Set(s string) error {
	l, err := ParseLimit(s)
	if err != nil {
		return err
	}
	*f = limitFlag(l)
	return nil
}

// prefixes is a comma-separated CIDR list flag; a bare address is its
// own /32 or /128, and "none" is the empty list.
type prefixes []netip.Prefix

func (p *prefixes) String() string {
	if p == nil || len(*p) == 0 {
		return "none"
	}
	s := make([]string, len(*p))
	for i, pr := range *p {
		s[i] = pr.String()
	}
	return strings.Join(s, ",")
}

func (p *prefixes) Set(s string) error {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" || part == "none" {
			continue
		}
		pr, err := netip.ParsePrefix(part)
		if err != nil {
			a, aerr := netip.ParseAddr(part)
			if aerr != nil {
				return fmt.Errorf("%q is not a CIDR (10.0.0.0/8) or an address", part)
			}
			pr = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, pr.Masked())
	}
	*p = out
	return nil
}
