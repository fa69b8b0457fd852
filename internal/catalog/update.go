package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
)

// EventUpdate changes an event that exists. A nil field is left as it is.
//
// Prices and add-ons cannot be changed here: each seat carries the price it
// was put on sale at, held seats keep the price their buyer was shown, and
// orders name add-ons by id. An organizer who must reprice a section
// cancels and recreates the event, which refunds every buyer.
type EventUpdate struct {
	Name              *string    `json:"name"`
	Category          *string    `json:"category"`
	Description       *string    `json:"description"`
	StartsAt          *time.Time `json:"starts_at"`
	OnsaleAt          *time.Time `json:"onsale_at"`
	MaxTicketsPerUser *int       `json:"max_tickets_per_user"`
	ServiceFeeCents   *int64     `json:"service_fee_cents"`
	OrderFeeCents     *int64     `json:"order_fee_cents"`
	Queue             *Queue     `json:"queue"`
}

// UpdateEvent applies u to a published event under the same rules as
// CreateEvent. Lowering the ticket limit does not take tickets away: it only
// stops further holds.
func (s *Service) UpdateEvent(ctx context.Context, by account.User, id string, u EventUpdate) (Event, error) {
	if err := requireAdmin(by); err != nil {
		return Event{}, err
	}
	e, err := s.store.Event(ctx, id)
	if err != nil {
		return Event{}, err
	}
	if e.Status != StatusPublished {
		return Event{}, apperr.E(apperr.Conflict, "this event was cancelled; it cannot be changed")
	}
	v, err := s.store.Venue(ctx, e.VenueID)
	if err != nil {
		return Event{}, fmt.Errorf("load venue: %w", err)
	}
	in := EventInput{VenueID: e.VenueID, Name: e.Name, Category: e.Category, Description: e.Description,
		StartsAt: &e.StartsAt, OnsaleAt: &e.OnsaleAt, MaxTicketsPerUser: &e.MaxTicketsPerUser, Currency: e.Currency,
		Sections: SectionsOf(e.Prices), Prices: e.Prices, ServiceFeeCents: e.ServiceFeeCents, OrderFeeCents: e.OrderFeeCents, Queue: &e.Queue}
	for _, a := range e.AddOns {
		in.AddOns = append(in.AddOns, AddOnInput{Name: a.Name, PriceCents: a.PriceCents, MaxPerOrder: a.MaxPerOrder})
	}
	if u.Name != nil {
		in.Name = *u.Name
	}
	if u.Category != nil {
		in.Category = *u.Category
	}
	if u.Description != nil {
		in.Description = *u.Description
	}
	if u.StartsAt != nil {
		in.StartsAt = u.StartsAt
	}
	if u.OnsaleAt != nil {
		in.OnsaleAt = u.OnsaleAt
	}
	if u.MaxTicketsPerUser != nil {
		in.MaxTicketsPerUser = u.MaxTicketsPerUser
	}
	if u.ServiceFeeCents != nil {
		in.ServiceFeeCents = *u.ServiceFeeCents
	}
	if u.OrderFeeCents != nil {
		in.OrderFeeCents = *u.OrderFeeCents
	}
	if u.Queue != nil {
		q := *u.Queue
		in.Queue = &q
	}
	if err := in.Validate(v); err != nil {
		return Event{}, err
	}
	e.Name, e.Category, e.Description = strings.TrimSpace(in.Name), in.Category, in.Description
	e.StartsAt, e.OnsaleAt = in.StartsAt.UTC().Truncate(time.Second), in.OnsaleAt.UTC().Truncate(time.Second)
	e.MaxTicketsPerUser, e.ServiceFeeCents, e.OrderFeeCents, e.Queue = *in.MaxTicketsPerUser, in.ServiceFeeCents, in.OrderFeeCents, *in.Queue
	if err := s.store.UpdateEvent(ctx, e); err != nil {
		return Event{}, fmt.Errorf("update event: %w", err)
	}
	return s.Event(ctx, id)
}
