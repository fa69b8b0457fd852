package catalog

import (
	"encoding/json"
	"testing"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// FuzzVenueLayout: a venue body from outside is either refused with field
// errors or a layout whose capacity is the sum of its sections, each row
// at least one seat; never a panic.
func FuzzVenueLayout(f *testing.F) {
	for _, s := range []string{
		`{"name":"Hall","lat":40.7,"lon":-74,"timezone":"America/New_York","sections":[{"name":"A","rows":[{"name":"1","seats":10}]},{"name":"Floor","general_admission":true,"capacity":100}]}`,
		`{"name":"","sections":[]}`,
		`{"name":"X","lat":91,"lon":0,"timezone":"Mars/Olympus","sections":[{"name":"A","rows":[{"name":"1","seats":-1}]}]}`,
		`{"name":"X","lat":0,"lon":0,"timezone":"UTC","sections":[{"name":"A","general_admission":true,"capacity":200001}]}`,
		`{"name":"X","lat":0,"lon":0,"timezone":"UTC","sections":[{"name":"A","rows":[{"name":"1","seats":2},{"name":"1","seats":2}]}]}`,
		`{"name":"X","lat":1e400}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in VenueInput
		if json.Unmarshal(body, &in) != nil {
			return
		}
		err := in.Validate()
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("Validate error %v is not a validation error", err)
			}
			return
		}
		total := 0
		for _, s := range in.Sections {
			if s.GeneralAdmission {
				if s.Capacity < 1 {
					t.Fatalf("a valid GA section of capacity %d", s.Capacity)
				}
				total += s.Capacity
				continue
			}
			for _, r := range s.Rows {
				if r.Seats < 1 {
					t.Fatalf("a valid row of %d seats", r.Seats)
				}
				total += r.Seats
			}
		}
		if total < 1 || total > 200000 || *in.Lat < -90 || *in.Lat > 90 || *in.Lon < -180 || *in.Lon > 180 {
			t.Fatalf("a valid venue of %d places at %v,%v", total, *in.Lat, *in.Lon)
		}
	})
}

// FuzzQueryParsers: near=, radius_km=, cursor= and limit= from a query
// string give a value or a field error, never a panic or a value out of
// range.
func FuzzQueryParsers(f *testing.F) {
	f.Add("40.81,-74.07", "25", encodeCursor(cursor{Offset: 20}), "10")
	f.Add("91,0", "-1", "!!", "0")
	f.Add("NaN,NaN", "NaN", "e30", "1000000")
	f.Fuzz(func(t *testing.T, near, radius, cur, limit string) {
		if p, err := ParsePoint("near", near); err == nil && (p.Lat < -90 || p.Lat > 90 || p.Lon < -180 || p.Lon > 180 || p.Lat != p.Lat) {
			t.Fatalf("ParsePoint(%q) = %+v", near, p)
		}
		if r, err := ParseRadius(radius, 25); err == nil && (r <= 0 || r > 20000) {
			t.Fatalf("ParseRadius(%q) = %v", radius, r)
		}
		if c, err := decodeCursor(cur); err == nil && c.Offset < 0 {
			t.Fatalf("decodeCursor(%q) = %+v", cur, c)
		}
		if n, err := ParseLimit(limit); err == nil && n < 1 {
			t.Fatalf("ParseLimit(%q) = %d", limit, n)
		}
	})
}
