package config_test

import (
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/config"
)

func TestParseLimit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want config.Limit
		err  bool
	}{
		{"10/m:20", config.Limit{Events: 10, Per: time.Minute, Burst: 20}, false},
		{"600/m", config.Limit{Events: 600, Per: time.Minute, Burst: 600}, false},
		{"5/30s:2", config.Limit{Events: 5, Per: 30 * time.Second, Burst: 2}, false},
		{"1/h", config.Limit{Events: 1, Per: time.Hour, Burst: 1}, false},
		{"3/s", config.Limit{Events: 3, Per: time.Second, Burst: 3}, false},
		{"100/min:5", config.Limit{Events: 100, Per: time.Minute, Burst: 5}, false},
		{"off", config.Limit{}, false},
		{"0", config.Limit{}, false},
		{"10", config.Limit{}, true},
		{"ten/m", config.Limit{}, true},
		{"-1/m", config.Limit{}, true},
		{"10/fortnight", config.Limit{}, true},
		{"10/m:0", config.Limit{}, true},
		{"10/m:x", config.Limit{}, true},
		{"10/0s", config.Limit{}, true},
	}
	for _, tc := range cases {
		got, err := config.ParseLimit(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseLimit(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.err)
		}
		if err == nil {
			// String is the flag syntax: it parses back to the same limit.
			if again, err := config.ParseLimit(got.String()); err != nil || again != got {
				t.Errorf("%q: String %q parses to %+v, %v", tc.in, got.String(), again, err)
			}
		}
	}
}

func parse(t *testing.T, args []string, env map[string]string) (config.Config, error) {
	t.Helper()
	return config.Parse("serve", args, func(k string) string { return env[k] }, io.Discard)
}

func TestRateLimitDefaults(t *testing.T) {
	t.Parallel()
	c, err := parse(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := c.RateLimits
	if !r.Enabled || r.MaxKeys != 100_000 || len(r.TrustedProxies) != 0 {
		t.Errorf("defaults: %+v", r)
	}
	for _, a := range []string{"127.0.0.1", "127.9.9.9", "::1"} {
		if !containsAddr(r.Exempt, a) {
			t.Errorf("loopback %s is not exempt by default", a)
		}
	}
	if containsAddr(r.Exempt, "10.0.0.1") {
		t.Errorf("10.0.0.1 is exempt by default")
	}
	// Every class has a limit, and no default burst is below what a
	// person needs (a few tries) or a bench account uses (50 holds).
	for name, l := range map[string]config.Limit{"login-ip": r.LoginIP, "login-email": r.LoginEmail, "register-ip": r.RegisterIP,
		"hold-ip": r.HoldIP, "order-ip": r.OrderIP, "queue-account": r.QueueAccount, "queue-ip": r.QueueIP} {
		if l.Off() || l.Burst < 5 {
			t.Errorf("--rate-%s default %s", name, l)
		}
	}
	if r.HoldAccount.Burst < 55 || r.OrderAccount.Burst < 55 {
		t.Errorf("per-account bursts %s, %s would throttle a bench buyer", r.HoldAccount, r.OrderAccount)
	}
}

func TestRateLimitFlags(t *testing.T) {
	t.Parallel()
	c, err := parse(t, []string{"--rate-limits=false", "--trusted-proxy", "10.0.0.0/8, 192.0.2.7", "--rate-hold-account", "30/m:10",
		"--rate-login-email", "off"}, map[string]string{"BOXOFFICE_RATE_LIMIT_EXEMPT": "none", "BOXOFFICE_RATE_ORDER_IP": "50/s"})
	if err != nil {
		t.Fatal(err)
	}
	r := c.RateLimits
	if r.Enabled {
		t.Errorf("--rate-limits=false left them on")
	}
	if len(r.TrustedProxies) != 2 || !containsAddr(r.TrustedProxies, "10.1.2.3") || !containsAddr(r.TrustedProxies, "192.0.2.7") || containsAddr(r.TrustedProxies, "192.0.2.8") {
		t.Errorf("--trusted-proxy: %v", r.TrustedProxies)
	}
	if len(r.Exempt) != 0 {
		t.Errorf("BOXOFFICE_RATE_LIMIT_EXEMPT=none: %v", r.Exempt)
	}
	if r.HoldAccount != (config.Limit{Events: 30, Per: time.Minute, Burst: 10}) || !r.LoginEmail.Off() ||
		r.OrderIP != (config.Limit{Events: 50, Per: time.Second, Burst: 50}) {
		t.Errorf("limits: hold-account %s, login-email %s, order-ip %s", r.HoldAccount, r.LoginEmail, r.OrderIP)
	}
	for _, bad := range [][]string{{"--rate-hold-ip", "lots"}, {"--trusted-proxy", "the-lb"}, {"--rate-limit-max-keys", "10"}} {
		if _, err := parse(t, bad, nil); err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(bad[0], "--")) {
			t.Errorf("%v: error %v", bad, err)
		}
	}
}

func containsAddr(ps []netip.Prefix, s string) bool {
	a := netip.MustParseAddr(s)
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
