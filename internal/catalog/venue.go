// Package catalog owns venues, their seat maps, events and their prices, and
// finding them by text, date and distance.
package catalog

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// Limits on a venue's shape. They keep one request's work bounded.
const (
	MaxSections      = 1000
	MaxRowsPerSec    = 500
	MaxSeatsPerRow   = 500
	MaxGACapacity    = 200_000
	MaxVenueCapacity = 250_000
)

// Venue is a place with a seat map.
type Venue struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Address    string    `json:"address"`
	City       string    `json:"city"`
	Region     string    `json:"region"`
	Country    string    `json:"country"`
	Lat        float64   `json:"lat"`
	Lon        float64   `json:"lon"`
	Timezone   string    `json:"timezone"`
	Capacity   int       `json:"capacity"`
	Sections   []Section `json:"sections,omitempty"`
	DistanceKm *float64  `json:"distance_km,omitempty"`
	CreatedAt  time.Time `json:"-"`
}

// Section is a block of reserved rows, or a general-admission area with a
// capacity. Sections are listed best first: their order is part of the seat
// score that "best available" uses.
type Section struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	GeneralAdmission bool     `json:"general_admission"`
	Capacity         int      `json:"capacity"`
	Rows             []Row    `json:"rows,omitempty"`
	X                *float64 `json:"x,omitempty"`
	Y                *float64 `json:"y,omitempty"`
}

// Row is a named row of seats numbered 1..Seats.
type Row struct {
	Name  string `json:"name"`
	Seats int    `json:"seats"`
}

// VenueInput is the body of POST /venues.
type VenueInput struct {
	Name     string         `json:"name"`
	Address  string         `json:"address"`
	City     string         `json:"city"`
	Region   string         `json:"region"`
	Country  string         `json:"country"`
	Lat      *float64       `json:"lat"`
	Lon      *float64       `json:"lon"`
	Timezone string         `json:"timezone"`
	Sections []SectionInput `json:"sections"`
}

// SectionInput is one section of a VenueInput.
type SectionInput struct {
	Name             string   `json:"name"`
	GeneralAdmission bool     `json:"general_admission"`
	Capacity         int      `json:"capacity"`
	Rows             []Row    `json:"rows"`
	X                *float64 `json:"x"`
	Y                *float64 `json:"y"`
}

func checkText(f *apperr.Fields, field, v string, required bool, max int) {
	switch n := utf8.RuneCountInString(v); {
	case required && strings.TrimSpace(v) == "":
		f.Add(field, "is required")
	case n > max:
		f.Add(field, "must be at most %d characters", max)
	}
}

func finite(v *float64) bool { return v == nil || (!math.IsNaN(*v) && !math.IsInf(*v, 0)) }

// Validate checks the whole input and names every bad field.
func (in *VenueInput) Validate() error {
	var f apperr.Fields
	checkText(&f, "name", in.Name, true, 200)
	checkText(&f, "address", in.Address, false, 300)
	checkText(&f, "city", in.City, false, 100)
	checkText(&f, "region", in.Region, false, 100)
	checkText(&f, "country", in.Country, false, 2)
	if in.Lat == nil || !finite(in.Lat) || *in.Lat < -90 || *in.Lat > 90 {
		f.Add("lat", "must be a latitude between -90 and 90")
	}
	if in.Lon == nil || !finite(in.Lon) || *in.Lon < -180 || *in.Lon > 180 {
		f.Add("lon", "must be a longitude between -180 and 180")
	}
	if in.Timezone == "" {
		in.Timezone = "UTC"
	}
	if _, err := time.LoadLocation(in.Timezone); err != nil || len(in.Timezone) > 64 {
		f.Add("timezone", "must be an IANA time zone such as America/New_York")
	}
	if n := len(in.Sections); n < 1 || n > MaxSections {
		f.Add("sections", "must have between 1 and %d sections", MaxSections)
	}
	names := map[string]bool{}
	total := 0
	for i, s := range in.Sections {
		p := fmt.Sprintf("sections[%d]", i)
		checkText(&f, p+".name", s.Name, true, 50)
		if names[s.Name] {
			f.Add(p+".name", "duplicates another section's name")
		}
		names[s.Name] = true
		if !finite(s.X) || !finite(s.Y) {
			f.Add(p, "x and y must be finite numbers")
		}
		if s.GeneralAdmission {
			if len(s.Rows) > 0 {
				f.Add(p+".rows", "a general-admission section has a capacity, not rows")
			}
			if s.Capacity < 1 || s.Capacity > MaxGACapacity {
				f.Add(p+".capacity", "must be between 1 and %d", MaxGACapacity)
			}
			total += s.Capacity
			continue
		}
		if s.Capacity != 0 {
			f.Add(p+".capacity", "a reserved section has rows, not a capacity")
		}
		if n := len(s.Rows); n < 1 || n > MaxRowsPerSec {
			f.Add(p+".rows", "must have between 1 and %d rows", MaxRowsPerSec)
		}
		rows := map[string]bool{}
		for j, r := range s.Rows {
			rp := fmt.Sprintf("%s.rows[%d]", p, j)
			checkText(&f, rp+".name", r.Name, true, 20)
			if rows[r.Name] {
				f.Add(rp+".name", "duplicates another row's name in this section")
			}
			rows[r.Name] = true
			if r.Seats < 1 || r.Seats > MaxSeatsPerRow {
				f.Add(rp+".seats", "must be between 1 and %d", MaxSeatsPerRow)
			}
			total += r.Seats
		}
	}
	if total > MaxVenueCapacity {
		f.Add("sections", "the venue holds %d places; at most %d are allowed", total, MaxVenueCapacity)
	}
	return f.Err()
}

// VenueSeat is one place of a venue: a numbered seat in a row, or one place
// of a general-admission area (no row, no number). Events copy them.
type VenueSeat struct {
	No        int64  // 1-based ordinal in the venue, the seat id within an event
	SectionID string // the Section it belongs to
	Row       string // "" for general admission
	RowIndex  int    // 0 = front row
	Number    int    // 0 for general admission
	Score     int64  // lower is better; see SeatScore
}

// SeatScore ranks seats for "best available": a better section first (the
// venue lists sections best first), then a row nearer the front, then a seat
// nearer the middle of its row. Lower is better.
func SeatScore(sectionIndex, rowIndex, number, seatsInRow int) int64 {
	middle := math.Abs(float64(2*number-(seatsInRow+1))) / float64(seatsInRow) // 0 (middle) .. ~1 (aisle)
	return int64(sectionIndex)*1_000_000 + int64(rowIndex)*1_000 + int64(middle*500)
}
