package web

import (
	"testing"
	"time"
)

// TestRelativeWhen: a card's time reads in the venue's zone, as "today",
// "tomorrow" or a date, with the year only when it is not this year's.
func TestRelativeWhen(t *testing.T) {
	t.Parallel()
	// 23:30 on Dec 3 in New York is already Dec 4 in UTC.
	now := time.Date(2026, 12, 4, 4, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		at   time.Time
		tz   string
		want string
	}{
		{time.Date(2026, 12, 4, 4, 45, 0, 0, time.UTC), "America/New_York", "today 11:45 PM"},
		{time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC), "America/New_York", "tomorrow 1:00 PM"},
		{time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC), "", "today 6:00 PM"},
		{time.Date(2026, 12, 12, 18, 0, 0, 0, time.UTC), "America/New_York", "Sat, Dec 12 · 1:00 PM"},
		{time.Date(2027, 1, 12, 0, 30, 0, 0, time.UTC), "America/New_York", "Mon, Jan 11, 2027 · 7:30 PM"},
	} {
		if got := relativeWhen(c.at, now, c.tz); got != c.want {
			t.Errorf("relativeWhen(%v, %q) = %q, want %q", c.at, c.tz, got, c.want)
		}
	}
}
