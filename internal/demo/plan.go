package demo

import (
	"fmt"
	"math"
	"time"

	"github.com/boxoffice/boxoffice/internal/catalog"
)

// The plan is the whole demo as catalog inputs, built without touching the
// store. Keeping it separate from Load makes it cheap to test for every
// kind of now (late at night, across a DST change) and to check that it is
// deterministic.

type role int

const (
	roleOther role = iota
	roleStadium
	roleArena
)

type venuePlan struct {
	venue  catalog.VenueInput
	role   role
	events []eventPlan // VenueID is filled in once the venue exists
}

type eventPlan struct {
	event     catalog.EventInput
	highlight string // non-empty: list it in Summary.Highlights with this name
}

// plan builds every venue and event for now.
func plan(now time.Time) ([]venuePlan, error) {
	now = now.UTC()
	st, err := stadium(now)
	if err != nil {
		return nil, err
	}
	ar, err := arena(now)
	if err != nil {
		return nil, err
	}
	cs, err := cinemas(now)
	if err != nil {
		return nil, err
	}
	return append([]venuePlan{st, ar}, cs...), nil
}

func location(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("demo: time zone %s: %w", name, err)
	}
	return loc, nil
}

// at returns hour:minute local time in loc on the day that is days after
// now's local date, in UTC. Going through the local calendar keeps a
// 13:00 kick-off at 13:00 across a daylight-saving change.
func at(now time.Time, loc *time.Location, days, hour, minute int) time.Time {
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d+days, hour, minute, 0, 0, loc).UTC()
}

// localLabel formats a UTC time as the venue's local time, for highlights.
func localLabel(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon Jan 2, 3:04 PM MST")
}

func ptr[T any](v T) *T { return &v }

// ringPosition places section i of n around an oval centred on (500, 500)
// in a 1000×1000 drawing, the long axis (the sidelines) horizontal. The
// centre of one sideline is at offset mid1, the other's at mid2; the
// sections between are spread evenly, so a bowl whose numbering is not
// symmetric still puts both sidelines opposite each other. It also returns
// how far the section is from a sideline's centre: 0 at midfield, 1 behind
// an end zone.
func ringPosition(i, n int, mid1, mid2, rx, ry float64) (x, y, endness float64) {
	fi := float64(i)
	var deg float64
	if fi >= mid1 && fi <= mid2 {
		deg = -90 + 180*(fi-mid1)/(mid2-mid1)
	} else {
		j := math.Mod(fi-mid2+float64(n), float64(n))
		deg = 90 + 180*j/(float64(n)-(mid2-mid1))
	}
	rad := deg * math.Pi / 180
	x = math.Round((500+rx*math.Cos(rad))*10) / 10
	y = math.Round((500+ry*math.Sin(rad))*10) / 10
	return x, y, math.Abs(math.Cos(rad))
}

// priceFor scales a price between lo (endness 1, behind the goal) and hi
// (endness 0, midfield), rounded to whole five dollars. Off the sidelines
// the scale is 15% lower, so that a sideline seat costs more than any other
// in its ring.
func priceFor(lo, hi int64, endness float64, sideline bool) int64 {
	f := 1 - endness
	if !sideline {
		f *= 0.85
	}
	p := float64(lo) + float64(hi-lo)*f
	return int64(math.Round(p/500)) * 500
}

// rowsGrowing returns n rows named "1".."n" where row r has base + r/2 seats:
// a bowl widens as it rises.
func rowsGrowing(n, base int) []catalog.Row {
	rows := make([]catalog.Row, n)
	for r := 1; r <= n; r++ {
		rows[r-1] = catalog.Row{Name: fmt.Sprint(r), Seats: base + r/2}
	}
	return rows
}
