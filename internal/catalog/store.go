package catalog

import (
	"context"
	"time"
)

// Store is what the catalog needs from persistence.
type Store interface {
	// CreateVenue stores a venue with its sections and every seat.
	CreateVenue(ctx context.Context, v Venue, seats []VenueSeat) error
	// Venue returns a venue with its sections, or apperr.NotFound.
	Venue(ctx context.Context, id string) (Venue, error)
	// Venues lists venues (without sections) matching q, name order.
	Venues(ctx context.Context, q VenueQuery) ([]Venue, error)
	// CreateEvent stores an event and puts a copy of every venue seat on
	// sale at its section's price, in one transaction.
	CreateEvent(ctx context.Context, e Event) error
	// UpdateEvent writes an event's name, category, description, times,
	// ticket limit, fees and queue settings; nothing else of it changes.
	UpdateEvent(ctx context.Context, e Event) error
	// Event returns an event with prices, add-ons and its venue (without
	// sections), or apperr.NotFound.
	Event(ctx context.Context, id string) (Event, error)
	// Events lists events matching q in (starts_at, id) order.
	Events(ctx context.Context, q EventQuery) ([]Event, error)
	// CountAvailable counts the event's places that are neither sold nor in
	// an unexpired hold at now.
	CountAvailable(ctx context.Context, eventID string, now time.Time) (int, error)
}

// BBox is a latitude/longitude rectangle, used to narrow a distance search
// with an index before computing exact distances.
type BBox struct{ MinLat, MaxLat, MinLon, MaxLon float64 }

// VenueQuery filters venues.
type VenueQuery struct {
	Text  string // matches name, city or region, case-insensitive
	BBox  *BBox
	Limit int
}

// EventQuery filters events for a listing.
type EventQuery struct {
	Text     string // matches event name, venue name or city, case-insensitive
	Category string
	VenueID  string
	From, To time.Time // zero means unbounded
	BBox     *BBox
	// After continues a listing after the event at (AfterStartsAt, AfterID).
	AfterStartsAt time.Time
	AfterID       string
	// IncludeCancelled lists cancelled events too.
	IncludeCancelled bool
	Limit            int
}
