package booking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// CheckIn admits the holder of a genuine, valid barcode once, whatever its
// event: CheckInFor with no event.
func (s *Service) CheckIn(ctx context.Context, by account.User, barcode string) (Ticket, error) {
	return s.CheckInFor(ctx, by, barcode, "")
}

// CheckInFor admits the holder of a genuine, valid barcode once, at the
// gate of event eventID: a ticket for another event is refused with
// wrong_event, naming its event, and nothing changes (a door staffed for
// tonight's game must not spend next week's ticket). eventID "" admits a
// ticket of any event. A repeat scan is already_checked_in with the seat
// and the time of the first scan in the error's Scan.
func (s *Service) CheckInFor(ctx context.Context, by account.User, barcode, eventID string) (Ticket, error) {
	if !by.CanCheckIn() {
		return Ticket{}, apperr.E(apperr.Forbidden, "only gate staff can check tickets in")
	}
	if eventID != "" {
		if _, err := s.store.Event(ctx, eventID); apperr.Is(err, apperr.NotFound) {
			var f apperr.Fields
			f.Add("event_id", "no such event")
			return Ticket{}, f.Err()
		} else if err != nil {
			return Ticket{}, fmt.Errorf("check in: %w", err)
		}
	}
	id, ok := s.signer.Verify(strings.TrimSpace(barcode))
	if !ok {
		return Ticket{}, apperr.E(apperr.InvalidBarcode, "this barcode is not a Boxoffice ticket")
	}
	now := s.clock.Now()
	var t Ticket
	// The conditional update decides who admits the ticket; only then is
	// the ticket read, so that a scan that lost the race (to another scan
	// or to a refund, on any instance) reads the winner's committed row and
	// says why, instead of acting on what it saw before the race. The
	// event check alone reads first: a ticket's event never changes.
	err := s.store.InTx(ctx, func(tx Tx) error {
		if eventID != "" {
			before, err := tx.Ticket(ctx, id)
			switch {
			case apperr.Is(err, apperr.NotFound):
				return apperr.E(apperr.InvalidBarcode, "no such ticket")
			case err != nil:
				return err
			case before.EventID != eventID:
				t = before
				return errOtherEvent
			}
		}
		did, err := tx.CheckIn(ctx, id, now)
		if err != nil {
			return err
		}
		t, err = tx.Ticket(ctx, id)
		switch {
		case apperr.Is(err, apperr.NotFound):
			return apperr.E(apperr.InvalidBarcode, "no such ticket")
		case err != nil:
			return err
		case did:
			return nil
		case t.Status != TicketValid:
			return apperr.E(apperr.InvalidBarcode, "this ticket is void (refunded or cancelled)")
		case t.CheckedInAt != nil:
			return errScannedBefore
		default:
			return apperr.E(apperr.AlreadyCheckedIn, "this ticket was already scanned")
		}
	})
	switch {
	case errors.Is(err, errScannedBefore):
		return Ticket{}, s.scannedBefore(ctx, t)
	case errors.Is(err, errOtherEvent):
		return Ticket{}, s.otherEvent(ctx, t)
	case err != nil:
		return Ticket{}, fmt.Errorf("check in: %w", err)
	}
	s.metrics.CheckedIn(t.EventID)
	return t, nil
}

// errScannedBefore and errOtherEvent are CheckInFor's notes, from inside
// its transaction, that the ticket was admitted before or is for another
// event; the message is made after the transaction, with the times in the
// venue's zone.
var (
	errScannedBefore = errors.New("already scanned")
	errOtherEvent    = errors.New("ticket for another event")
)

// scannedBefore is the already_checked_in of a ticket admitted before: it
// says when (in the venue's time zone, as the gate says it) and where the
// holder sits, so staff can tell a friend who went out for a moment from
// a copied barcode.
func (s *Service) scannedBefore(ctx context.Context, t Ticket) error {
	tz := ""
	if e, err := s.store.Event(ctx, t.EventID); err == nil && e.Venue != nil {
		tz = e.Venue.Timezone
	}
	first := t.CheckedInAt.UTC()
	at := catalog.InZone(first, tz)
	err := apperr.E(apperr.AlreadyCheckedIn, "this ticket was already scanned at %s (%s)", at.Format("3:04:05 PM MST"), SeatLine(t))
	err.Scan = &apperr.Scan{TicketID: t.ID, CheckedInAt: &first, LocalCheckedInAt: at.Format(time.RFC3339),
		Section: t.Section, Row: t.Row, Number: t.Number, TicketEventID: t.EventID, Timezone: tz}
	return err
}

// otherEvent is the wrong_event of a ticket for another event than the
// gate's: it names that event, its local date and time, and its venue.
func (s *Service) otherEvent(ctx context.Context, t Ticket) error {
	e, err := s.store.Event(ctx, t.EventID)
	if err != nil {
		return fmt.Errorf("check in: the ticket's event: %w", err)
	}
	te := ticketEventOf(e)
	local := catalog.InZone(e.StartsAt, te.Venue.Timezone)
	where := ""
	if te.Venue.Name != "" {
		where = " at " + te.Venue.Name
	}
	ae := apperr.E(apperr.WrongEvent, "this ticket is for %s, %s%s", te.Name, local.Format("Mon Jan 2, 2006 3:04 PM MST"), where)
	ae.Scan = &apperr.Scan{TicketID: t.ID, TicketEventID: t.EventID, TicketEventName: te.Name, TicketEventStartsAt: &te.StartsAt,
		TicketEventLocalStartsAt: te.LocalStartsAt, TicketVenueName: te.Venue.Name, Timezone: te.Venue.Timezone}
	return ae
}

// SeatLine is a ticket's place as the gate says it: "Sec 312 · Row 12 ·
// Seat 5", "Screen 2 · Row F · Seat 7", or "Floor · General admission".
func SeatLine(t Ticket) string {
	if t.Row == nil || t.Number == nil {
		return SectionLabel(t.Section) + " · General admission"
	}
	return fmt.Sprintf("%s · Row %s · Seat %d", SectionLabel(t.Section), *t.Row, *t.Number)
}

// SectionLabel names a section for people: a code ("312", "A", "B2") is
// "Sec 312", and a name that is a word ("Floor", "Screen 2", "Upper Deck")
// is said alone, so that a cinema's seat reads "Screen 2 · Row F", not "Sec
// Screen 2", while a block called A still reads "Sec A · Row 1".
func SectionLabel(name string) string {
	if strings.IndexFunc(name, unicode.IsLower) < 0 {
		return "Sec " + name
	}
	return name
}

// GateCount is how many of an event's valid tickets have been scanned in.
type GateCount struct {
	EventID   string `json:"event_id"`
	CheckedIn int    `json:"checked_in"`
	Tickets   int    `json:"tickets"`
}

// GateCount counts who is in at an event, for its gate staff and admins.
// Counted by the database (one query scoped by the event), so every
// scanner of every instance shows the same figure.
func (s *Service) GateCount(ctx context.Context, by account.User, eventID string) (GateCount, error) {
	if !by.CanCheckIn() {
		return GateCount{}, apperr.E(apperr.Forbidden, "only gate staff can see who is in")
	}
	if _, err := s.store.Event(ctx, eventID); err != nil {
		return GateCount{}, err
	}
	in, all, err := s.store.CheckinCounts(ctx, eventID)
	if err != nil {
		return GateCount{}, fmt.Errorf("gate count: %w", err)
	}
	return GateCount{EventID: eventID, CheckedIn: in, Tickets: all}, nil
}
