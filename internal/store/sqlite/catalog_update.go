package sqlite

import (
	"context"

	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/store"
)

// UpdateEvent writes the editable fields of an event.
func (s *Store) UpdateEvent(ctx context.Context, e catalog.Event) error {
	return s.inTx(ctx, func(tx *tx) error {
		return execOne(ctx, tx, `UPDATE events SET name = ?, category = ?, description = ?, starts_at = ?, onsale_at = ?,
			max_tickets_per_user = ?, service_fee_cents = ?, order_fee_cents = ?, queue_enabled = ?, queue_admit_per_minute = ?, queue_options = ?
			WHERE id = ?`, e.Name, e.Category, e.Description, store.Millis(e.StartsAt), store.Millis(e.OnsaleAt),
			e.MaxTicketsPerUser, e.ServiceFeeCents, e.OrderFeeCents, e.Queue.Enabled, e.Queue.AdmitPerMinute, store.QueueOptions(&e.Queue), e.ID)
	})
}
