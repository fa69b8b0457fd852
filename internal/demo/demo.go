// Package demo fills an empty catalog with venues and events real enough to
// show the product: a football stadium of about 80,000 seats, an arena with
// a general-admission floor and reserved tiers, and three cinemas in three
// cities with a week of showtimes.
//
// Everything is dated relative to the now it is given, so the demo never
// goes stale, and everything goes through the catalog's own rules
// (CreateVenue, CreateEvent) rather than SQL: the demo data is exactly what
// an admin could have entered, on either store engine, and a rule change that
// breaks it shows up in this package's test.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// ErrNotEmpty is returned by Load when the catalog already has venues, so that
// restarting "serve --demo" on the same database does not load it twice.
var ErrNotEmpty = errors.New("demo: the catalog already has venues")

// Summary is what Load made, for the command to print.
type Summary struct {
	Venues int // venues created, one per cinema (its screens are its sections)
	Events int // events created, every showtime counting as one
	// Seats is the number of places put on sale, summed over every event
	// (each event has its own copy of the seats of its sections on sale:
	// a showtime, of its screen's).
	Seats int
	// Stadium and Arena are the venue ids of the stadium and the arena.
	Stadium, Arena string
	// Highlights are events worth opening first, in the order to show them.
	Highlights []Highlight
}

// Highlight is an event worth opening first. Name says what it is and why it
// is interesting (where, when, or that it is not on sale yet).
type Highlight struct {
	Name    string
	EventID string
}

// Load fills an empty catalog with demo venues and events, dated relative to
// now, and returns what it made so the command can print it.
//
// The content is deterministic for a given now (only the random ids differ
// between runs). Showtimes already past at now are left out. Every event is on
// sale at now except one stadium concert, whose on-sale date is three days
// ahead so that "not on sale" can be shown. It returns ErrNotEmpty, having
// done nothing, if the catalog already has a venue.
func Load(ctx context.Context, cat *catalog.Service, admin account.User, now time.Time) (Summary, error) {
	var sum Summary
	existing, err := cat.Venues(ctx, "", nil, 0)
	if err != nil {
		return sum, fmt.Errorf("demo: list venues: %w", err)
	}
	if len(existing) > 0 {
		return sum, ErrNotEmpty
	}
	venues, err := plan(now)
	if err != nil {
		return sum, err
	}
	for _, pv := range venues {
		v, err := cat.CreateVenue(ctx, admin, pv.venue)
		if err != nil {
			return sum, fmt.Errorf("demo: create venue %q: %w", pv.venue.Name, err)
		}
		sum.Venues++
		switch pv.role {
		case roleStadium:
			sum.Stadium = v.ID
		case roleArena:
			sum.Arena = v.ID
		}
		for _, pe := range pv.events {
			in := pe.event
			in.VenueID = v.ID
			e, err := cat.CreateEvent(ctx, admin, in)
			if err != nil {
				return sum, fmt.Errorf("demo: create event %q at %q: %w", in.Name, v.Name, err)
			}
			sum.Events++
			sum.Seats += *e.Available
			if pe.highlight != "" {
				sum.Highlights = append(sum.Highlights, Highlight{Name: pe.highlight, EventID: e.ID})
			}
		}
	}
	return sum, nil
}
