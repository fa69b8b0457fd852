package failpoint_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/internal/failpoint"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		spec    string
		armed   []failpoint.Point
		wantErr string
	}{
		{spec: "", armed: nil},
		{spec: "  ", armed: nil},
		{spec: "hold.before_commit=kill", armed: []failpoint.Point{failpoint.HoldBeforeCommit}},
		{spec: "checkout.after_charge=kill@0.2, outbox.after_send=kill@1",
			armed: []failpoint.Point{failpoint.CheckoutAfterCharge, failpoint.OutboxAfterSend}},
		{spec: "checkout.after_chrage=kill", wantErr: "want point=kill"},
		{spec: "hold.before_commit", wantErr: "want point=kill"},
		{spec: "hold.before_commit=panic", wantErr: "the only action is kill"},
		{spec: "hold.before_commit=kill@0", wantErr: "probability"},
		{spec: "hold.before_commit=kill@1.5", wantErr: "probability"},
		{spec: "hold.before_commit=kill@x", wantErr: "probability"},
	} {
		s, err := failpoint.Parse(c.spec, failpoint.Options{})
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("Parse(%q) = %v, want an error with %q", c.spec, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", c.spec, err)
			continue
		}
		if s.Armed() != (len(c.armed) > 0) {
			t.Errorf("Parse(%q).Armed() = %v", c.spec, s.Armed())
		}
		for _, p := range failpoint.All() {
			killed := 0
			s, _ := failpoint.Parse(c.spec, failpoint.Options{Kill: func() { killed++ }, Rand: func() float64 { return 0 }})
			s.Hit(p)
			if want := slices.Contains(c.armed, p); (killed == 1) != want {
				t.Errorf("Parse(%q): Hit(%s) killed %d times, want armed=%v", c.spec, p, killed, want)
			}
		}
	}
}

// TestProbability checks that kill@P fires when the dice fall below P and
// only then, and that a nil Set never fires.
func TestProbability(t *testing.T) {
	t.Parallel()
	rolls := []float64{0.5, 0.19, 0.2, 0.99, 0.0}
	i, killed := 0, 0
	s, err := failpoint.Parse("refund.after_provider=kill@0.2", failpoint.Options{
		Kill: func() { killed++ },
		Rand: func() float64 { i++; return rolls[i-1] },
	})
	if err != nil {
		t.Fatal(err)
	}
	for range rolls {
		s.Hit(failpoint.RefundAfterProvider)
	}
	if killed != 2 || i != len(rolls) {
		t.Errorf("%d kills in %d rolls of %v at P=0.2, want 2 (0.19 and 0.0)", killed, i, rolls)
	}
	var none *failpoint.Set
	none.Hit(failpoint.RefundAfterProvider) // must not panic or kill
	if none.Armed() || none.String() != "" {
		t.Error("a nil Set is armed")
	}
}

func TestAllNamesUnique(t *testing.T) {
	t.Parallel()
	seen := map[failpoint.Point]bool{}
	for _, p := range failpoint.All() {
		if seen[p] || !strings.Contains(string(p), ".") {
			t.Errorf("point %q repeated or not area.step", p)
		}
		seen[p] = true
	}
	if len(seen) != 8 {
		t.Errorf("%d points, want the 8 of issue 13", len(seen))
	}
}
