package web

import "testing"

// TestGroupedAndWaitWords: counts on the organizer's and the buyer's pages
// have thousands separators, and waits read as people say them; queue.js
// words them the same way.
func TestGroupedAndWaitWords(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n    int64
		want string
	}{{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1,000"}, {80879, "80,879"}, {1234567, "1,234,567"}, {-4321, "-4,321"}} {
		if got := grouped(c.n); got != c.want {
			t.Errorf("grouped(%d) = %q, want %q", c.n, got, c.want)
		}
	}
	if got := money(123456789, "USD"); got != "$1,234,567.89" {
		t.Errorf("money = %q", got)
	}
	for _, c := range []struct {
		sec  int64
		want string
	}{{0, "any moment now"}, {30, "less than a minute"}, {60, "about 1 min"}, {61, "about 2 min"}, {3600, "about 1 h"}, {3661, "about 1 h 2 min"}} {
		if got := waitWords(c.sec); got != c.want {
			t.Errorf("waitWords(%d) = %q, want %q", c.sec, got, c.want)
		}
	}
}
