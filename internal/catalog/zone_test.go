package catalog_test

import (
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/catalog"
)

// TestZone: a venue's zone by name; an empty or unknown one is UTC.
func TestZone(t *testing.T) {
	for tz, want := range map[string]string{"America/Chicago": "America/Chicago", "": "UTC", "Mars/Olympus": "UTC"} {
		if got := catalog.Zone(tz).String(); got != want {
			t.Errorf("Zone(%q) = %s, want %s", tz, got, want)
		}
	}
	at := time.Date(2026, 12, 7, 1, 2, 9, 0, time.UTC)
	if got := catalog.InZone(at, "America/Chicago").Format("3:04:05 PM MST"); got != "7:02:09 PM CST" {
		t.Errorf("InZone = %s", got)
	}
}
