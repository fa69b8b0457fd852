package demo

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/catalog"
)

// venueOf is the venue the catalog would make of in, enough to validate
// events against.
func venueOf(in catalog.VenueInput) catalog.Venue {
	v := catalog.Venue{Name: in.Name, Timezone: in.Timezone}
	for _, s := range in.Sections {
		v.Sections = append(v.Sections, catalog.Section{Name: s.Name, GeneralAdmission: s.GeneralAdmission})
	}
	return v
}

// planNows are moments that have tripped up date arithmetic: late at night
// in each cinema's zone (today's shows are all past), and around the US
// daylight-saving changes.
var planNows = []struct {
	name string
	now  time.Time
}{
	{"afternoon", time.Date(2026, 11, 20, 15, 4, 5, 0, time.UTC)},
	{"late night New York", time.Date(2026, 6, 11, 3, 50, 0, 0, time.UTC)},    // 23:50 EDT
	{"late night Los Angeles", time.Date(2026, 6, 11, 6, 59, 0, 0, time.UTC)}, // 23:59 PDT
	{"early morning New York", time.Date(2026, 6, 11, 4, 30, 0, 0, time.UTC)}, // 00:30 EDT, 21:30 PDT
	{"before spring forward", time.Date(2026, 3, 7, 17, 0, 0, 0, time.UTC)},   // DST starts 8 March
	{"before fall back", time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC)},      // DST ends 1 November
	{"new year's eve", time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC)},
}

func TestPlanIsDeterministic(t *testing.T) {
	t.Parallel()
	for _, tc := range planNows {
		a, err := plan(tc.now)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := plan(tc.now)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two plans for the same now differ", tc.name)
		}
	}
}

func TestPlanIsValidAndDatedFromNow(t *testing.T) {
	t.Parallel()
	for _, tc := range planNows {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			now := tc.now
			venues, err := plan(now)
			if err != nil {
				t.Fatal(err)
			}
			notOnSale := 0
			days := map[string]map[string]bool{} // cinema -> local dates with showtimes
			for _, pv := range venues {
				if err := pv.venue.Validate(); err != nil {
					t.Fatalf("venue %q: %v", pv.venue.Name, err)
				}
				loc, _ := time.LoadLocation(pv.venue.Timezone)
				v := venueOf(pv.venue)
				for _, pe := range pv.events {
					e := pe.event
					if err := e.Validate(v); err != nil {
						t.Fatalf("event %q at %q: %v", e.Name, v.Name, err)
					}
					if !e.StartsAt.After(now) {
						t.Errorf("%q at %q starts at %v, not after now %v", e.Name, v.Name, e.StartsAt, now)
					}
					if e.StartsAt.Location() != time.UTC || e.OnsaleAt.Location() != time.UTC {
						t.Errorf("%q: times are not UTC", e.Name)
					}
					if e.OnsaleAt.After(now) {
						notOnSale++
					}
					if e.Category == "movie" { // a showtime: on one screen of the cinema
						if len(e.Sections) != 1 || !strings.HasPrefix(e.Sections[0], "Screen ") || len(e.Prices) != 1 ||
							e.Prices[0].Section != e.Sections[0] {
							t.Errorf("showtime %q at %q is on %v priced %v, want one screen", e.Name, v.Name, e.Sections, e.Prices)
						}
						if days[v.Name] == nil {
							days[v.Name] = map[string]bool{}
						}
						days[v.Name][e.StartsAt.In(loc).Format(time.DateOnly)] = true
					}
				}
			}
			if notOnSale != 1 {
				t.Errorf("%d events are not on sale yet, want exactly 1", notOnSale)
			}
			if len(days) != 3 {
				t.Errorf("showtimes at %d cinemas, want 3", len(days))
			}
			for c, d := range days {
				if len(d) != showDays {
					t.Errorf("%s has showtimes on %d days, want %d", c, len(d), showDays)
				}
			}
		})
	}
}

func TestStadiumShape(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 20, 15, 4, 5, 0, time.UTC)
	st, err := stadium(now)
	if err != nil {
		t.Fatal(err)
	}
	// Best first: the 100-level sideline, then the rest by ring.
	var first []string
	for _, s := range st.venue.Sections[:11] {
		first = append(first, s.Name)
	}
	slices.Sort(first)
	want := []string{"111", "112", "113", "114", "115", "137", "138", "139", "140", "141", "142"}
	if !slices.Equal(first, want) {
		t.Errorf("best sections are %v, want the 100-level sidelines %v", first, want)
	}
	level := func(name string) byte { return name[0] }
	for i := 1; i < len(st.venue.Sections); i++ {
		if level(st.venue.Sections[i].Name) < level(st.venue.Sections[i-1].Name) {
			t.Errorf("section %s listed after %s", st.venue.Sections[i].Name, st.venue.Sections[i-1].Name)
		}
	}

	jets := st.events[0].event
	if got := jets.StartsAt.In(mustLoc(t, "America/New_York")).Format("15:04"); got != "13:00" {
		t.Errorf("kick-off at %s local, want 13:00", got)
	}
	if d := jets.StartsAt.Sub(now); d < 7*24*time.Hour || d > 9*24*time.Hour {
		t.Errorf("the Jets play %v from now, want about 8 days", d)
	}
	bands := map[byte][2]int64{'1': {15000, 25000}, '2': {9500, 14000}, '3': {2500, 7000}}
	sideline := map[string]bool{}
	for _, n := range want {
		sideline[n] = true
	}
	var minSide, maxOther100 int64 = 1 << 62, 0
	for _, p := range jets.Prices {
		b := bands[level(p.Section)]
		if p.PriceCents < b[0] || p.PriceCents > b[1] {
			t.Errorf("section %s costs %d, outside its level's %v", p.Section, p.PriceCents, b)
		}
		switch {
		case sideline[p.Section]:
			minSide = min(minSide, p.PriceCents)
		case level(p.Section) == '1':
			maxOther100 = max(maxOther100, p.PriceCents)
		}
	}
	if minSide <= maxOther100 {
		t.Errorf("cheapest 100-level sideline seat %d is not dearer than the dearest other 100-level seat %d", minSide, maxOther100)
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
