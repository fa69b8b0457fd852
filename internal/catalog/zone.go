package catalog

import "time"

// Zone is the time zone named tz (a venue's Timezone), or UTC when tz is
// empty or cannot be loaded: a venue's times are said on its clocks, and a
// time whose venue zone is unknown is still said, in UTC, which says so.
func Zone(tz string) *time.Location {
	if tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return time.UTC
}

// InZone is t on the clocks of the time zone named tz (see Zone).
func InZone(t time.Time, tz string) time.Time { return t.In(Zone(tz)) }
