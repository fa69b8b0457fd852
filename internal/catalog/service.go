package catalog

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/ids"
)

// DefaultRadiusKm is the search radius when "near" is given without one.
const DefaultRadiusKm = 50

// Service holds the catalog rules.
type Service struct {
	store Store
	clock clock.Clock
}

// NewService wires the catalog rules to a store.
func NewService(store Store, clk clock.Clock) *Service { return &Service{store: store, clock: clk} }

func requireAdmin(by account.User) error {
	if !by.IsAdmin() {
		return apperr.E(apperr.Forbidden, "only an admin can do this")
	}
	return nil
}

// CreateVenue validates a venue, numbers its seats and stores it.
func (s *Service) CreateVenue(ctx context.Context, by account.User, in VenueInput) (Venue, error) {
	if err := requireAdmin(by); err != nil {
		return Venue{}, err
	}
	if err := in.Validate(); err != nil {
		return Venue{}, err
	}
	v := Venue{ID: ids.New("ven"), Name: strings.TrimSpace(in.Name), Address: in.Address, City: in.City, Region: in.Region,
		Country: in.Country, Lat: *in.Lat, Lon: *in.Lon, Timezone: in.Timezone, CreatedAt: s.clock.Now()}
	var seats []VenueSeat
	for si, sin := range in.Sections {
		sec := Section{ID: ids.New("sec"), Name: sin.Name, GeneralAdmission: sin.GeneralAdmission, X: sin.X, Y: sin.Y}
		if sin.GeneralAdmission {
			sec.Capacity = sin.Capacity
			for i := 0; i < sin.Capacity; i++ {
				seats = append(seats, VenueSeat{No: int64(len(seats) + 1), SectionID: sec.ID, Score: int64(si) * 1_000_000})
			}
		} else {
			sec.Rows = sin.Rows
			for ri, r := range sin.Rows {
				for n := 1; n <= r.Seats; n++ {
					seats = append(seats, VenueSeat{No: int64(len(seats) + 1), SectionID: sec.ID, Row: r.Name, RowIndex: ri,
						Number: n, Score: SeatScore(si, ri, n, r.Seats)})
				}
				sec.Capacity += r.Seats
			}
		}
		v.Capacity += sec.Capacity
		v.Sections = append(v.Sections, sec)
	}
	if err := s.store.CreateVenue(ctx, v, seats); err != nil {
		return Venue{}, fmt.Errorf("create venue: %w", err)
	}
	return v, nil
}

// Venue returns one venue with its sections.
func (s *Service) Venue(ctx context.Context, id string) (Venue, error) { return s.store.Venue(ctx, id) }

// Venues lists venues matching text, nearest first when near is given.
func (s *Service) Venues(ctx context.Context, text string, near *Point, radiusKm float64) ([]Venue, error) {
	q := VenueQuery{Text: strings.TrimSpace(text), Limit: 500}
	if near != nil {
		b := Around(*near, radiusKm)
		q.BBox = &b
		q.Limit = 5000
	}
	vs, err := s.store.Venues(ctx, q)
	if err != nil || near == nil {
		return vs, err
	}
	out := vs[:0]
	for _, v := range vs {
		d := DistanceKm(*near, Point{v.Lat, v.Lon})
		if d <= radiusKm {
			v.DistanceKm = ptr(roundKm(d))
			out = append(out, v)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return *out[i].DistanceKm < *out[j].DistanceKm })
	if len(out) > 500 {
		out = out[:500]
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }

// CreateEvent validates an event against its venue and puts the seats of
// its sections (every section unless in.Sections names some) on sale.
func (s *Service) CreateEvent(ctx context.Context, by account.User, in EventInput) (Event, error) {
	if err := requireAdmin(by); err != nil {
		return Event{}, err
	}
	if strings.TrimSpace(in.VenueID) == "" {
		var f apperr.Fields
		f.Add("venue_id", "is required")
		return Event{}, f.Err()
	}
	v, err := s.store.Venue(ctx, in.VenueID)
	if apperr.Is(err, apperr.NotFound) {
		var f apperr.Fields
		f.Add("venue_id", "no such venue")
		return Event{}, f.Err()
	}
	if err != nil {
		return Event{}, fmt.Errorf("load venue: %w", err)
	}
	if err := in.Validate(v); err != nil {
		return Event{}, err
	}
	e := Event{ID: ids.New("evt"), VenueID: v.ID, Name: strings.TrimSpace(in.Name), Category: in.Category, Description: in.Description,
		StartsAt: in.StartsAt.UTC().Truncate(time.Second), OnsaleAt: in.OnsaleAt.UTC().Truncate(time.Second),
		MaxTicketsPerUser: *in.MaxTicketsPerUser, Currency: in.Currency, ServiceFeeCents: in.ServiceFeeCents,
		OrderFeeCents: in.OrderFeeCents, Queue: *in.Queue, Status: StatusPublished, CreatedAt: s.clock.Now(), AddOns: []AddOn{}}
	given := map[string]int64{}
	for _, p := range in.Prices {
		given[p.Section] = p.PriceCents
	}
	onSale := in.onSale(v)
	avail := 0
	for _, sec := range v.Sections { // venue order, so listings read like the map
		if !onSale[sec.Name] {
			continue
		}
		avail += sec.Capacity
		p, ok := given[sec.Name]
		if !ok {
			p = *in.DefaultPriceCents
		}
		e.Prices = append(e.Prices, Price{Section: sec.Name, PriceCents: p})
	}
	for _, a := range in.AddOns {
		e.AddOns = append(e.AddOns, AddOn{ID: ids.New("add"), Name: a.Name, PriceCents: a.PriceCents, MaxPerOrder: a.MaxPerOrder})
	}
	e.Sections = SectionsOf(e.Prices)
	e.MinPriceCents, e.MaxPriceCents = priceRange(e.Prices)
	summary := v
	summary.Sections = nil
	e.Venue = &summary
	if err := s.store.CreateEvent(ctx, e); err != nil {
		return Event{}, fmt.Errorf("create event: %w", err)
	}
	e.Available = &avail
	return e, nil
}

func priceRange(ps []Price) (lo, hi int64) {
	for i, p := range ps {
		if i == 0 || p.PriceCents < lo {
			lo = p.PriceCents
		}
		if p.PriceCents > hi {
			hi = p.PriceCents
		}
	}
	return lo, hi
}

// Event returns one event with the number of places left.
func (s *Service) Event(ctx context.Context, id string) (Event, error) {
	e, err := s.store.Event(ctx, id)
	if err != nil {
		return Event{}, err
	}
	n, err := s.store.CountAvailable(ctx, id, s.clock.Now())
	if err != nil {
		return Event{}, fmt.Errorf("count available: %w", err)
	}
	e.Available = &n
	return e, nil
}

// EventSearch is a parsed GET /events query.
type EventSearch struct {
	Text, Category, VenueID string
	From, To                time.Time
	Near                    *Point
	RadiusKm                float64
	Cursor                  string
	Limit                   int
}

type cursor struct {
	StartsAt time.Time `json:"t,omitempty"`
	ID       string    `json:"i,omitempty"`
	Offset   int       `json:"o,omitempty"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.Offset < 0 {
		var f apperr.Fields
		f.Add("cursor", "is not a cursor this server returned")
		return c, f.Err()
	}
	return c, nil
}

// Events lists upcoming events (from now unless From is given) soonest
// first, or nearest first when Near is given. The cursor is opaque.
func (s *Service) Events(ctx context.Context, q EventSearch) ([]Event, string, error) {
	var c cursor
	if q.Cursor != "" {
		var err error
		if c, err = decodeCursor(q.Cursor); err != nil {
			return nil, "", err
		}
	}
	if q.Category != "" && !slices.Contains(Categories, q.Category) {
		var f apperr.Fields
		f.Add("category", "must be one of sports, concert, theatre, movie, comedy, family, other")
		return nil, "", f.Err()
	}
	sq := EventQuery{Text: strings.TrimSpace(q.Text), Category: q.Category, VenueID: q.VenueID, From: q.From, To: q.To, Limit: q.Limit + 1}
	if sq.From.IsZero() {
		sq.From = s.clock.Now()
	}
	if q.Near == nil {
		sq.AfterStartsAt, sq.AfterID = c.StartsAt, c.ID
		es, err := s.store.Events(ctx, sq)
		if err != nil {
			return nil, "", err
		}
		next := ""
		if len(es) > q.Limit {
			es = es[:q.Limit]
			last := es[len(es)-1]
			next = encodeCursor(cursor{StartsAt: last.StartsAt, ID: last.ID})
		}
		return es, next, nil
	}
	// Nearest first: narrow by box in the store, then order by exact
	// distance here and page by offset.
	b := Around(*q.Near, q.RadiusKm)
	sq.BBox = &b
	sq.Limit = 10_000
	es, err := s.store.Events(ctx, sq)
	if err != nil {
		return nil, "", err
	}
	type scored struct {
		e Event
		d float64
	}
	var in []scored
	for _, e := range es {
		if d := DistanceKm(*q.Near, Point{e.Venue.Lat, e.Venue.Lon}); d <= q.RadiusKm {
			e.Venue.DistanceKm = ptr(roundKm(d))
			in = append(in, scored{e, d})
		}
	}
	sort.SliceStable(in, func(i, j int) bool { return in[i].d < in[j].d })
	out := make([]Event, 0, q.Limit)
	for i := c.Offset; i < len(in) && len(out) < q.Limit; i++ {
		out = append(out, in[i].e)
	}
	next := ""
	if c.Offset+len(out) < len(in) {
		next = encodeCursor(cursor{Offset: c.Offset + len(out)})
	}
	return out, next, nil
}

// VenueEvents lists a venue's upcoming events, soonest first: a cinema's showtimes.
func (s *Service) VenueEvents(ctx context.Context, venueID string, limit int) ([]Event, error) {
	if _, err := s.store.Venue(ctx, venueID); err != nil {
		return nil, err
	}
	return s.store.Events(ctx, EventQuery{VenueID: venueID, From: s.clock.Now(), Limit: limit})
}

// ParseLimit reads a list's limit: default 50, at most 500.
func ParseLimit(s string) (int, error) {
	if s == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 500 {
		var f apperr.Fields
		f.Add("limit", "must be between 1 and 500")
		return 0, f.Err()
	}
	return n, nil
}
