package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/store"
)

var _ catalog.Store = (*Store)(nil)

// CreateVenue inserts a venue, its sections and every seat in one transaction.
func (s *Store) CreateVenue(ctx context.Context, v catalog.Venue, seats []catalog.VenueSeat) error {
	return s.inTx(ctx, func(tx *tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO venues (id, name, address, city, region, country, lat, lon, timezone, capacity, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, v.ID, v.Name, v.Address, v.City, v.Region, v.Country, v.Lat, v.Lon, v.Timezone,
			v.Capacity, store.Millis(v.CreatedAt))
		if err != nil {
			return err
		}
		for i, sec := range v.Sections {
			rows, _ := json.Marshal(sec.Rows)
			_, err := tx.ExecContext(ctx, `INSERT INTO sections (id, venue_id, position, name, general_admission, capacity, rows_json, x, y)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, sec.ID, v.ID, i, sec.Name, sec.GeneralAdmission, sec.Capacity, string(rows), sec.X, sec.Y)
			if err != nil {
				return err
			}
		}
		const batch = 500
		for start := 0; start < len(seats); start += batch {
			part := seats[start:min(start+batch, len(seats))]
			q := `INSERT INTO venue_seats (venue_id, seat_no, section_id, row_name, row_index, number, score) VALUES ` +
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?),", len(part)), ",")
			args := make([]any, 0, 7*len(part))
			for _, st := range part {
				args = append(args, v.ID, st.No, st.SectionID, store.NullString(st.Row), st.RowIndex, store.NullInt(st.Number), st.Score)
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	})
}

const venueColumns = `v.id, v.name, v.address, v.city, v.region, v.country, v.lat, v.lon, v.timezone, v.capacity, v.created_at`

func scanVenue(sc interface{ Scan(...any) error }, v *catalog.Venue, extra ...any) error {
	var created int64
	err := sc.Scan(append([]any{&v.ID, &v.Name, &v.Address, &v.City, &v.Region, &v.Country, &v.Lat, &v.Lon, &v.Timezone, &v.Capacity, &created}, extra...)...)
	v.CreatedAt = store.Time(created)
	return err
}

// Venue returns a venue with its sections.
func (s *Store) Venue(ctx context.Context, id string) (catalog.Venue, error) {
	var v catalog.Venue
	if err := scanVenue(s.r.QueryRowContext(ctx, `SELECT `+venueColumns+` FROM venues v WHERE v.id = ?`, id), &v); err != nil {
		return v, notFound(err, "venue")
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, general_admission, capacity, rows_json, x, y FROM sections WHERE venue_id = ? ORDER BY position`, id)
	if err != nil {
		return v, err
	}
	defer rows.Close()
	for rows.Next() {
		var sec catalog.Section
		var rowsJSON string
		var x, y sql.NullFloat64
		if err := rows.Scan(&sec.ID, &sec.Name, &sec.GeneralAdmission, &sec.Capacity, &rowsJSON, &x, &y); err != nil {
			return v, err
		}
		if err := json.Unmarshal([]byte(rowsJSON), &sec.Rows); err != nil {
			return v, fmt.Errorf("section %s rows: %w", sec.ID, err)
		}
		if x.Valid {
			sec.X = &x.Float64
		}
		if y.Valid {
			sec.Y = &y.Float64
		}
		v.Sections = append(v.Sections, sec)
	}
	return v, rows.Err()
}

func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

// Venues lists venues matching q.
func (s *Store) Venues(ctx context.Context, q catalog.VenueQuery) ([]catalog.Venue, error) {
	where, args := []string{"1=1"}, []any{}
	if q.Text != "" {
		p := likePattern(q.Text)
		where = append(where, `(v.name LIKE ? ESCAPE '\' OR v.city LIKE ? ESCAPE '\' OR v.region LIKE ? ESCAPE '\')`)
		args = append(args, p, p, p)
	}
	if b := q.BBox; b != nil {
		where = append(where, `v.lat BETWEEN ? AND ? AND v.lon BETWEEN ? AND ?`)
		args = append(args, b.MinLat, b.MaxLat, b.MinLon, b.MaxLon)
	}
	args = append(args, q.Limit)
	rows, err := s.r.QueryContext(ctx, `SELECT `+venueColumns+` FROM venues v WHERE `+strings.Join(where, " AND ")+` ORDER BY v.name, v.id LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []catalog.Venue{}
	for rows.Next() {
		var v catalog.Venue
		if err := scanVenue(rows, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// CreateEvent inserts an event with prices and add-ons and copies every
// venue seat into the event's seats at its section's price.
func (s *Store) CreateEvent(ctx context.Context, e catalog.Event) error {
	return s.inTx(ctx, func(tx *tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO events (id, venue_id, name, category, description, starts_at, onsale_at, max_tickets_per_user,
			currency, service_fee_cents, order_fee_cents, queue_enabled, queue_admit_per_minute, queue_options, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, e.VenueID, e.Name, e.Category, e.Description,
			store.Millis(e.StartsAt), store.Millis(e.OnsaleAt), e.MaxTicketsPerUser, e.Currency, e.ServiceFeeCents, e.OrderFeeCents,
			e.Queue.Enabled, e.Queue.AdmitPerMinute, store.QueueOptions(&e.Queue), e.Status, store.Millis(e.CreatedAt))
		if err != nil {
			return err
		}
		for _, p := range e.Prices {
			res, err := tx.ExecContext(ctx, `INSERT INTO event_prices (event_id, section_id, price_cents)
				SELECT ?, id, ? FROM sections WHERE venue_id = ? AND name = ?`, e.ID, p.PriceCents, e.VenueID, p.Section)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return fmt.Errorf("price for unknown section %q", p.Section)
			}
		}
		for i, a := range e.AddOns {
			if _, err := tx.ExecContext(ctx, `INSERT INTO add_ons (id, event_id, position, name, price_cents, max_per_order) VALUES (?, ?, ?, ?, ?, ?)`,
				a.ID, e.ID, i, a.Name, a.PriceCents, a.MaxPerOrder); err != nil {
				return err
			}
		}
		// Only the priced sections' seats go on sale, numbered 1..n in the
		// venue's order: seat numbers are the places of the seat plan.
		_, err = tx.ExecContext(ctx, `INSERT INTO seats (event_id, seat_no, section_id, row_name, row_index, number, score, price_cents)
			SELECT ?, ROW_NUMBER() OVER (ORDER BY vs.seat_no), vs.section_id, vs.row_name, vs.row_index, vs.number, vs.score, p.price_cents
			FROM venue_seats vs JOIN event_prices p ON p.event_id = ? AND p.section_id = vs.section_id
			WHERE vs.venue_id = ?`, e.ID, e.ID, e.VenueID)
		return err
	})
}

const eventColumns = `e.id, e.venue_id, e.name, e.category, e.description, e.starts_at, e.onsale_at, e.max_tickets_per_user, e.currency,
	e.service_fee_cents, e.order_fee_cents, e.queue_enabled, e.queue_admit_per_minute, e.queue_options, e.status, e.created_at,
	(SELECT COALESCE(MIN(price_cents), 0) FROM event_prices WHERE event_id = e.id),
	(SELECT COALESCE(MAX(price_cents), 0) FROM event_prices WHERE event_id = e.id), ` + venueColumns

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func queryEvents(ctx context.Context, q queryer, where string, args ...any) ([]catalog.Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+eventColumns+` FROM events e JOIN venues v ON v.id = e.venue_id `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []catalog.Event{}
	for rows.Next() {
		var e catalog.Event
		var v catalog.Venue
		var starts, onsale, created, vcreated int64
		err := rows.Scan(&e.ID, &e.VenueID, &e.Name, &e.Category, &e.Description, &starts, &onsale, &e.MaxTicketsPerUser, &e.Currency,
			&e.ServiceFeeCents, &e.OrderFeeCents, &e.Queue.Enabled, &e.Queue.AdmitPerMinute, store.QueueOptions(&e.Queue), &e.Status, &created,
			&e.MinPriceCents, &e.MaxPriceCents,
			&v.ID, &v.Name, &v.Address, &v.City, &v.Region, &v.Country, &v.Lat, &v.Lon, &v.Timezone, &v.Capacity, &vcreated)
		if err != nil {
			return nil, err
		}
		e.StartsAt, e.OnsaleAt, e.CreatedAt, v.CreatedAt = store.Time(starts), store.Time(onsale), store.Time(created), store.Time(vcreated)
		e.Venue = &v
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, fillPricesAndAddOns(ctx, q, out)
}

func fillPricesAndAddOns(ctx context.Context, q queryer, es []catalog.Event) error {
	for i := range es {
		e := &es[i]
		e.Prices, e.AddOns = []catalog.Price{}, []catalog.AddOn{}
		rows, err := q.QueryContext(ctx, `SELECT s.name, p.price_cents FROM event_prices p JOIN sections s ON s.id = p.section_id
			WHERE p.event_id = ? ORDER BY s.position`, e.ID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var p catalog.Price
			if err := rows.Scan(&p.Section, &p.PriceCents); err != nil {
				rows.Close()
				return err
			}
			e.Prices = append(e.Prices, p)
		}
		rows.Close()
		e.Sections = catalog.SectionsOf(e.Prices)
		if e.AddOns, err = eventAddOns(ctx, q, e.ID); err != nil {
			return err
		}
	}
	return nil
}

// eventAddOns reads an event's add-ons in the order the organizer gave
// them: never nil, so the API shows [] rather than null.
func eventAddOns(ctx context.Context, q queryer, eventID string) ([]catalog.AddOn, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, price_cents, max_per_order FROM add_ons WHERE event_id = ? ORDER BY position`, eventID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []catalog.AddOn{}
	for rows.Next() {
		var a catalog.AddOn
		if err := rows.Scan(&a.ID, &a.Name, &a.PriceCents, &a.MaxPerOrder); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func eventByID(ctx context.Context, q queryer, id string) (catalog.Event, error) {
	es, err := queryEvents(ctx, q, `WHERE e.id = ?`, id)
	if err != nil {
		return catalog.Event{}, err
	}
	if len(es) == 0 {
		return catalog.Event{}, apperr.E(apperr.NotFound, "no such event")
	}
	return es[0], nil
}

// Event returns one event.
func (s *Store) Event(ctx context.Context, id string) (catalog.Event, error) {
	return eventByID(ctx, s.r, id)
}

// Events lists events matching q in (starts_at, id) order.
func (s *Store) Events(ctx context.Context, q catalog.EventQuery) ([]catalog.Event, error) {
	where, args := []string{"1=1"}, []any{}
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if q.Text != "" {
		p := likePattern(q.Text)
		add(`(e.name LIKE ? ESCAPE '\' OR v.name LIKE ? ESCAPE '\' OR v.city LIKE ? ESCAPE '\')`, p, p, p)
	}
	if q.Category != "" {
		add(`e.category = ?`, q.Category)
	}
	if q.VenueID != "" {
		add(`e.venue_id = ?`, q.VenueID)
	}
	if !q.From.IsZero() {
		add(`e.starts_at >= ?`, store.Millis(q.From))
	}
	if !q.To.IsZero() {
		add(`e.starts_at < ?`, store.Millis(q.To))
	}
	if b := q.BBox; b != nil {
		add(`v.lat BETWEEN ? AND ? AND v.lon BETWEEN ? AND ?`, b.MinLat, b.MaxLat, b.MinLon, b.MaxLon)
	}
	if q.AfterID != "" {
		t := store.Millis(q.AfterStartsAt)
		add(`(e.starts_at > ? OR (e.starts_at = ? AND e.id > ?))`, t, t, q.AfterID)
	}
	if !q.IncludeCancelled {
		add(`e.status = 'published'`)
	}
	args = append(args, q.Limit)
	return queryEvents(ctx, s.r, `WHERE `+strings.Join(where, " AND ")+` ORDER BY e.starts_at, e.id LIMIT ?`, args...)
}

// CountAvailable counts places neither sold nor in an unexpired hold.
func (s *Store) CountAvailable(ctx context.Context, eventID string, now time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM seats WHERE event_id = ? AND order_id IS NULL AND (hold_until IS NULL OR hold_until <= ?)`,
		eventID, store.Millis(now)).Scan(&n)
	return n, err
}
