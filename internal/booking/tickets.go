package booking

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/ids"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// enqueueNotice puts a message of kind about order o in the outbox, once
// for each channel the buyer chose: to email (the buyer's address on file
// if "") and to the order's phone. Only the kind and the order id are
// written; the message is composed when it is sent (see notify), so an
// on-sale's transactions stay small.
func (s *Service) enqueueNotice(ctx context.Context, tx Tx, o Order, kind, email string) error {
	for _, ch := range o.ConfirmBy {
		to := o.Phone
		if ch == notify.ChannelEmail {
			if email == "" {
				var err error
				if email, err = tx.UserEmail(ctx, o.UserID); err != nil {
					return err
				}
			}
			to = email
		}
		if to == "" {
			continue
		}
		err := tx.Enqueue(ctx, notify.Message{ID: ids.New("msg"), Channel: ch, To: to, Kind: kind, Ref: o.ID, CreatedAt: o.UpdatedAt})
		if err != nil {
			return err
		}
	}
	return nil
}

// Order returns an order with its tickets; only its buyer or an admin sees it.
func (s *Service) Order(ctx context.Context, by account.User, id string) (Order, error) {
	o, err := s.store.Order(ctx, id)
	if err != nil {
		return Order{}, err
	}
	if o.UserID != by.ID && !by.IsAdmin() {
		return Order{}, apperr.E(apperr.NotFound, "no such order")
	}
	return o, nil
}

// Orders lists the caller's orders, newest first; an admin may list all.
func (s *Service) Orders(ctx context.Context, by account.User, all bool, q ListQuery) ([]Order, error) {
	q.UserID = by.ID
	if all && by.IsAdmin() {
		q.UserID = ""
	}
	return s.store.Orders(ctx, q)
}

// Ticket returns a ticket to its owner or an admin.
func (s *Service) Ticket(ctx context.Context, by account.User, id string) (Ticket, error) {
	t, err := s.store.Ticket(ctx, id)
	if err != nil {
		return Ticket{}, err
	}
	if t.UserID != by.ID && !by.IsAdmin() {
		return Ticket{}, apperr.E(apperr.NotFound, "no such ticket")
	}
	ts := []Ticket{t}
	if err := s.withEvents(ctx, ts); err != nil {
		return Ticket{}, err
	}
	return ts[0], nil
}

// Tickets lists the caller's valid tickets.
func (s *Service) Tickets(ctx context.Context, by account.User, q ListQuery) ([]Ticket, error) {
	q.UserID, q.ValidOnly = by.ID, true
	ts, err := s.store.Tickets(ctx, q)
	if err != nil {
		return nil, err
	}
	return ts, s.withEvents(ctx, ts)
}

// withEvents puts each ticket's event on it, reading each event once.
func (s *Service) withEvents(ctx context.Context, ts []Ticket) error {
	seen := map[string]*TicketEvent{}
	for i := range ts {
		te, ok := seen[ts[i].EventID]
		if !ok {
			e, err := s.store.Event(ctx, ts[i].EventID)
			if err != nil {
				return err
			}
			te = ticketEventOf(e)
			seen[ts[i].EventID] = te
		}
		ts[i].Event = te
	}
	return nil
}

// ticketEventOf is what a ticket says of event e (read with its venue).
func ticketEventOf(e catalog.Event) *TicketEvent {
	te := &TicketEvent{Name: e.Name, StartsAt: e.StartsAt.UTC(), LocalStartsAt: e.StartsAt.UTC().Format(time.RFC3339)}
	if v := e.Venue; v != nil {
		te.Venue = TicketVenue{ID: v.ID, Name: v.Name, City: v.City, Timezone: v.Timezone}
		te.LocalStartsAt = catalog.InZone(e.StartsAt, v.Timezone).Format(time.RFC3339)
	}
	return te
}
