package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/store"
)

var _ catalog.Store = (*Store)(nil)

// queryer is what both the pool and a transaction offer, so that the same
// SQL serves reads outside and inside a transaction.
type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// bulkWait replaces the statement timeout, and the reply timeout of the
// connection, for the few statements that copy a whole venue (80,000 seats
// for a stadium).
const bulkWait = 120 * time.Second

// bulk lets the rest of tx's statements run for bulkWait, until restore is
// called.
func bulk(ctx context.Context, tx pgx.Tx) (restore func(), err error) {
	if _, err := tx.Exec(ctx, fmt.Sprintf(`SET LOCAL statement_timeout = '%ds'`, int(bulkWait.Seconds()))); err != nil {
		return func() {}, err
	}
	if rc, ok := tx.Conn().PgConn().Conn().(*replyConn); ok {
		return rc.allow(bulkWait), nil
	}
	return func() {}, nil
}

// CreateVenue inserts a venue, its sections and every seat in one
// transaction; the seats go in through COPY.
func (s *Store) CreateVenue(ctx context.Context, v catalog.Venue, seats []catalog.VenueSeat) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		restore, err := bulk(ctx, tx)
		if err != nil {
			return err
		}
		defer restore()
		_, err = tx.Exec(ctx, `INSERT INTO venues (id, name, address, city, region, country, lat, lon, timezone, capacity, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, v.ID, v.Name, v.Address, v.City, v.Region, v.Country, v.Lat, v.Lon, v.Timezone,
			v.Capacity, store.Millis(v.CreatedAt))
		if err != nil {
			return err
		}
		for i, sec := range v.Sections {
			rows, _ := json.Marshal(sec.Rows)
			_, err := tx.Exec(ctx, `INSERT INTO sections (id, venue_id, position, name, general_admission, capacity, rows_json, x, y)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, sec.ID, v.ID, i, sec.Name, sec.GeneralAdmission, sec.Capacity, rows, sec.X, sec.Y)
			if err != nil {
				return err
			}
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"venue_seats"},
			[]string{"venue_id", "seat_no", "section_id", "row_name", "row_index", "number", "score"},
			pgx.CopyFromSlice(len(seats), func(i int) ([]any, error) {
				st := seats[i]
				return []any{v.ID, st.No, st.SectionID, store.NullString(st.Row), st.RowIndex, store.NullInt(st.Number), st.Score}, nil
			}))
		return err
	})
}

const venueColumns = `v.id, v.name, v.address, v.city, v.region, v.country, v.lat, v.lon, v.timezone, v.capacity, v.created_at`

func scanVenue(sc pgx.Row, v *catalog.Venue) error {
	var created int64
	err := sc.Scan(&v.ID, &v.Name, &v.Address, &v.City, &v.Region, &v.Country, &v.Lat, &v.Lon, &v.Timezone, &v.Capacity, &created)
	v.CreatedAt = store.Time(created)
	return err
}

// Venue returns a venue with its sections.
func (s *Store) Venue(ctx context.Context, id string) (catalog.Venue, error) {
	var v catalog.Venue
	if err := scanVenue(s.pool.QueryRow(ctx, `SELECT `+venueColumns+` FROM venues v WHERE v.id = $1`, id), &v); err != nil {
		return v, notFound(err, "venue")
	}
	rows, err := s.pool.Query(ctx, `SELECT id, name, general_admission, capacity, rows_json, x, y FROM sections WHERE venue_id = $1 ORDER BY position`, id)
	if err != nil {
		return v, err
	}
	defer rows.Close()
	for rows.Next() {
		var sec catalog.Section
		var rowsJSON []byte
		if err := rows.Scan(&sec.ID, &sec.Name, &sec.GeneralAdmission, &sec.Capacity, &rowsJSON, &sec.X, &sec.Y); err != nil {
			return v, err
		}
		if err := json.Unmarshal(rowsJSON, &sec.Rows); err != nil {
			return v, fmt.Errorf("section %s rows: %w", sec.ID, err)
		}
		v.Sections = append(v.Sections, sec)
	}
	return v, rows.Err()
}

func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

// args numbers query parameters as they are added: $1, $2, ...
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// Venues lists venues matching q. Names and ids sort by byte (COLLATE "C"),
// as in SQLite, whatever the database's locale.
func (s *Store) Venues(ctx context.Context, q catalog.VenueQuery) ([]catalog.Venue, error) {
	var a args
	where := []string{"TRUE"}
	if q.Text != "" {
		p := a.add(likePattern(q.Text))
		where = append(where, `(v.name ILIKE `+p+` OR v.city ILIKE `+p+` OR v.region ILIKE `+p+`)`)
	}
	if b := q.BBox; b != nil {
		where = append(where, `v.lat BETWEEN `+a.add(b.MinLat)+` AND `+a.add(b.MaxLat)+` AND v.lon BETWEEN `+a.add(b.MinLon)+` AND `+a.add(b.MaxLon))
	}
	rows, err := s.pool.Query(ctx, `SELECT `+venueColumns+` FROM venues v WHERE `+strings.Join(where, " AND ")+
		` ORDER BY v.name COLLATE "C", v.id COLLATE "C" LIMIT `+a.add(q.Limit), a...)
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
// venue seat into the event's seats at its section's price, in one
// INSERT … SELECT.
func (s *Store) CreateEvent(ctx context.Context, e catalog.Event) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		restore, err := bulk(ctx, tx)
		if err != nil {
			return err
		}
		defer restore()
		_, err = tx.Exec(ctx, `INSERT INTO events (id, venue_id, name, category, description, starts_at, onsale_at, max_tickets_per_user,
			currency, service_fee_cents, order_fee_cents, queue_enabled, queue_admit_per_minute, queue_options, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`, e.ID, e.VenueID, e.Name, e.Category, e.Description,
			store.Millis(e.StartsAt), store.Millis(e.OnsaleAt), e.MaxTicketsPerUser, e.Currency, e.ServiceFeeCents, e.OrderFeeCents,
			e.Queue.Enabled, e.Queue.AdmitPerMinute, store.QueueOptions(&e.Queue), e.Status, store.Millis(e.CreatedAt))
		if err != nil {
			return err
		}
		for _, p := range e.Prices {
			tag, err := tx.Exec(ctx, `INSERT INTO event_prices (event_id, section_id, price_cents)
				SELECT $1::TEXT, id, $2::BIGINT FROM sections WHERE venue_id = $3 AND name = $4`, e.ID, p.PriceCents, e.VenueID, p.Section)
			if err != nil {
				return err
			}
			if tag.RowsAffected() != 1 {
				return fmt.Errorf("price for unknown section %q", p.Section)
			}
		}
		for i, ad := range e.AddOns {
			if _, err := tx.Exec(ctx, `INSERT INTO add_ons (id, event_id, position, name, price_cents, max_per_order) VALUES ($1, $2, $3, $4, $5, $6)`,
				ad.ID, e.ID, i, ad.Name, ad.PriceCents, ad.MaxPerOrder); err != nil {
				return err
			}
		}
		// Only the priced sections' seats go on sale, numbered 1..n in the
		// venue's order: seat numbers are the places of the seat plan.
		_, err = tx.Exec(ctx, `INSERT INTO seats (event_id, seat_no, section_id, row_name, row_index, number, score, price_cents)
			SELECT $1::TEXT, ROW_NUMBER() OVER (ORDER BY vs.seat_no), vs.section_id, vs.row_name, vs.row_index, vs.number, vs.score, p.price_cents
			FROM venue_seats vs JOIN event_prices p ON p.event_id = $1 AND p.section_id = vs.section_id
			WHERE vs.venue_id = $2`, e.ID, e.VenueID)
		return err
	})
}

// eventColumns reads an event with its venue, and its prices and add-ons
// as JSON arrays, so that one round trip returns the whole event.
const eventColumns = `e.id, e.venue_id, e.name, e.category, e.description, e.starts_at, e.onsale_at, e.max_tickets_per_user, e.currency,
	e.service_fee_cents, e.order_fee_cents, e.queue_enabled, e.queue_admit_per_minute, e.queue_options, e.status, e.created_at,
	(SELECT COALESCE(MIN(price_cents), 0) FROM event_prices WHERE event_id = e.id),
	(SELECT COALESCE(MAX(price_cents), 0) FROM event_prices WHERE event_id = e.id),
	(SELECT COALESCE(json_agg(json_build_object('section', sec.name, 'price_cents', p.price_cents) ORDER BY sec.position), '[]')
		FROM event_prices p JOIN sections sec ON sec.id = p.section_id WHERE p.event_id = e.id),
	` + addOnsJSON + `, ` + venueColumns

// addOnsJSON is a subquery of the add-ons of the event e, in the order the
// organizer gave them, as a JSON array ('[]' when there are none).
const addOnsJSON = `(SELECT COALESCE(json_agg(json_build_object('id', a.id, 'name', a.name, 'price_cents', a.price_cents,
	'max_per_order', a.max_per_order) ORDER BY a.position), '[]') FROM add_ons a WHERE a.event_id = e.id)`

func queryEvents(ctx context.Context, q queryer, where string, a ...any) ([]catalog.Event, error) {
	rows, err := q.Query(ctx, `SELECT `+eventColumns+` FROM events e JOIN venues v ON v.id = e.venue_id `+where, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []catalog.Event{}
	for rows.Next() {
		var e catalog.Event
		var v catalog.Venue
		var starts, onsale, created, vcreated int64
		var prices, addOns []byte
		err := rows.Scan(&e.ID, &e.VenueID, &e.Name, &e.Category, &e.Description, &starts, &onsale, &e.MaxTicketsPerUser, &e.Currency,
			&e.ServiceFeeCents, &e.OrderFeeCents, &e.Queue.Enabled, &e.Queue.AdmitPerMinute, store.QueueOptions(&e.Queue), &e.Status, &created,
			&e.MinPriceCents, &e.MaxPriceCents, &prices, &addOns,
			&v.ID, &v.Name, &v.Address, &v.City, &v.Region, &v.Country, &v.Lat, &v.Lon, &v.Timezone, &v.Capacity, &vcreated)
		if err != nil {
			return nil, err
		}
		e.Prices, e.AddOns = []catalog.Price{}, []catalog.AddOn{}
		if err := json.Unmarshal(prices, &e.Prices); err != nil {
			return nil, fmt.Errorf("event %s prices: %w", e.ID, err)
		}
		e.Sections = catalog.SectionsOf(e.Prices)
		if err := json.Unmarshal(addOns, &e.AddOns); err != nil {
			return nil, fmt.Errorf("event %s add-ons: %w", e.ID, err)
		}
		e.StartsAt, e.OnsaleAt, e.CreatedAt, v.CreatedAt = store.Time(starts), store.Time(onsale), store.Time(created), store.Time(vcreated)
		e.Venue = &v
		out = append(out, e)
	}
	return out, rows.Err()
}

func eventByID(ctx context.Context, q queryer, id string) (catalog.Event, error) {
	es, err := queryEvents(ctx, q, `WHERE e.id = $1`, id)
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
	return eventByID(ctx, s.pool, id)
}

// Events lists events matching q in (starts_at, id) order.
func (s *Store) Events(ctx context.Context, q catalog.EventQuery) ([]catalog.Event, error) {
	var a args
	where := []string{"TRUE"}
	if q.Text != "" {
		p := a.add(likePattern(q.Text))
		where = append(where, `(e.name ILIKE `+p+` OR v.name ILIKE `+p+` OR v.city ILIKE `+p+`)`)
	}
	if q.Category != "" {
		where = append(where, `e.category = `+a.add(q.Category))
	}
	if q.VenueID != "" {
		where = append(where, `e.venue_id = `+a.add(q.VenueID))
	}
	if !q.From.IsZero() {
		where = append(where, `e.starts_at >= `+a.add(store.Millis(q.From)))
	}
	if !q.To.IsZero() {
		where = append(where, `e.starts_at < `+a.add(store.Millis(q.To)))
	}
	if b := q.BBox; b != nil {
		where = append(where, `v.lat BETWEEN `+a.add(b.MinLat)+` AND `+a.add(b.MaxLat)+` AND v.lon BETWEEN `+a.add(b.MinLon)+` AND `+a.add(b.MaxLon))
	}
	if q.AfterID != "" {
		t := a.add(store.Millis(q.AfterStartsAt))
		where = append(where, `(e.starts_at > `+t+` OR (e.starts_at = `+t+` AND e.id COLLATE "C" > `+a.add(q.AfterID)+`))`)
	}
	if !q.IncludeCancelled {
		where = append(where, `e.status = 'published'`)
	}
	return queryEvents(ctx, s.pool, `WHERE `+strings.Join(where, " AND ")+` ORDER BY e.starts_at, e.id COLLATE "C" LIMIT `+a.add(q.Limit), a...)
}

// CountAvailable counts places neither sold nor in an unexpired hold.
func (s *Store) CountAvailable(ctx context.Context, eventID string, now time.Time) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM seats WHERE event_id = $1 AND order_id IS NULL AND (hold_until IS NULL OR hold_until <= $2)`,
		eventID, store.Millis(now)).Scan(&n)
	return n, err
}
