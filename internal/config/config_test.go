package config

import (
	"io"
	"testing"
	"time"
)

// The reconcile grace is a minute wherever a Config comes from, two with
// Stripe unless set: a grace of zero would settle orders whose charge is
// still on its way, and fail them.
func TestReconcileGrace(t *testing.T) {
	t.Parallel()
	if g := Defaults().ReconcileGrace; g != time.Minute {
		t.Errorf("Defaults().ReconcileGrace = %s, want 1m", g)
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	stripeKey := map[string]string{"STRIPE_SECRET_KEY": "sk_test_123"}
	cases := []struct {
		args []string
		env  map[string]string
		want time.Duration
	}{
		{nil, nil, time.Minute},
		{[]string{"--payments", "stripe"}, stripeKey, 2 * time.Minute},
		{[]string{"--payments", "stripe", "--reconcile-grace", "30s"}, stripeKey, 30 * time.Second},
		{[]string{"--payments", "stripe"}, map[string]string{"STRIPE_SECRET_KEY": "sk_test_123", "BOXOFFICE_RECONCILE_GRACE": "90s"}, 90 * time.Second},
		{[]string{"--reconcile-grace", "5m"}, nil, 5 * time.Minute},
	}
	for _, c := range cases {
		got, err := Parse("serve", c.args, env(c.env), io.Discard)
		if err != nil || got.ReconcileGrace != c.want {
			t.Errorf("Parse(%v, %v): grace %s, %v; want %s", c.args, c.env, got.ReconcileGrace, err, c.want)
		}
	}
}
