package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/store"
)

// eventTerms reads what a booking transaction decides by: the event's own
// row and its add-ons (booking.Tx.Event). Every hold and both halves of
// every checkout read it on the single writer, so it leaves out the venue,
// the price list (a stadium's is one row per section) and the price range.
func eventTerms(ctx context.Context, q queryer, id string) (catalog.Event, error) {
	var e catalog.Event
	var starts, onsale, created int64
	err := q.QueryRowContext(ctx, `SELECT id, venue_id, name, category, description, starts_at, onsale_at, max_tickets_per_user, currency,
		service_fee_cents, order_fee_cents, queue_enabled, queue_admit_per_minute, queue_options, status, created_at FROM events WHERE id = ?`, id).Scan(
		&e.ID, &e.VenueID, &e.Name, &e.Category, &e.Description, &starts, &onsale, &e.MaxTicketsPerUser, &e.Currency,
		&e.ServiceFeeCents, &e.OrderFeeCents, &e.Queue.Enabled, &e.Queue.AdmitPerMinute, store.QueueOptions(&e.Queue), &e.Status, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return e, apperr.E(apperr.NotFound, "no such event")
	}
	if err != nil {
		return e, err
	}
	e.StartsAt, e.OnsaleAt, e.CreatedAt = store.Time(starts), store.Time(onsale), store.Time(created)
	e.AddOns, err = eventAddOns(ctx, q, id)
	return e, err
}
