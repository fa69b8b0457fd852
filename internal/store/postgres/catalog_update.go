package postgres

import (
	"context"
	"fmt"

	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/store"
)

// UpdateEvent writes the editable fields of an event.
func (s *Store) UpdateEvent(ctx context.Context, e catalog.Event) error {
	tag, err := s.pool.Exec(ctx, `UPDATE events SET name = $1, category = $2, description = $3, starts_at = $4, onsale_at = $5,
		max_tickets_per_user = $6, service_fee_cents = $7, order_fee_cents = $8, queue_enabled = $9, queue_admit_per_minute = $10,
		queue_options = $11 WHERE id = $12`, e.Name, e.Category, e.Description, store.Millis(e.StartsAt), store.Millis(e.OnsaleAt),
		e.MaxTicketsPerUser, e.ServiceFeeCents, e.OrderFeeCents, e.Queue.Enabled, e.Queue.AdmitPerMinute, store.QueueOptions(&e.Queue), e.ID)
	if err == nil && tag.RowsAffected() != 1 {
		err = fmt.Errorf("expected to change one row, changed %d", tag.RowsAffected())
	}
	return err
}
