package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// Categories of events.
var Categories = []string{"sports", "concert", "theatre", "movie", "comedy", "family", "other"}

// Event statuses.
const (
	StatusPublished = "published"
	StatusCancelled = "cancelled"
)

// Event is something that happens at a venue, with prices per section.
// Sections names the venue's sections on sale at it, in venue order: the
// sections Prices lists. A showtime on one screen of a cinema has that
// screen only; most events have every section.
type Event struct {
	ID                string    `json:"id"`
	VenueID           string    `json:"venue_id"`
	Name              string    `json:"name"`
	Category          string    `json:"category"`
	Description       string    `json:"description"`
	StartsAt          time.Time `json:"starts_at"`
	OnsaleAt          time.Time `json:"onsale_at"`
	MaxTicketsPerUser int       `json:"max_tickets_per_user"`
	Currency          string    `json:"currency"`
	Prices            []Price   `json:"prices"`
	Sections          []string  `json:"sections"`
	ServiceFeeCents   int64     `json:"service_fee_cents"`
	OrderFeeCents     int64     `json:"order_fee_cents"`
	AddOns            []AddOn   `json:"add_ons"`
	Queue             Queue     `json:"queue"`
	Status            string    `json:"status"`
	Venue             *Venue    `json:"venue,omitempty"`
	MinPriceCents     int64     `json:"min_price_cents"`
	MaxPriceCents     int64     `json:"max_price_cents"`
	// Available is the number of places on sale now; only set on single-event reads.
	Available *int      `json:"available,omitempty"`
	CreatedAt time.Time `json:"-"`
}

// Price is what one section costs at an event.
type Price struct {
	Section    string `json:"section"`
	PriceCents int64  `json:"price_cents"`
}

// AddOn is an extra sold with tickets, such as a parking pass.
type AddOn struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	PriceCents  int64  `json:"price_cents"`
	MaxPerOrder int    `json:"max_per_order"`
}

// Queue configures the event's waiting room (see package queue).
type Queue struct {
	Enabled bool `json:"enabled"`
	// AdmitPerMinute is the admission rate: fixed, or where "auto" starts.
	AdmitPerMinute int `json:"admit_per_minute"`
	// Mode is "fixed" (the default) or "auto": admission follows the
	// golden signals between MinAdmitPerMinute and MaxAdmitPerMinute.
	Mode              string `json:"mode"`
	MinAdmitPerMinute int    `json:"min_admit_per_minute,omitempty"`
	MaxAdmitPerMinute int    `json:"max_admit_per_minute,omitempty"`
	// OpensAt is when people may start joining (the pre-queue); nil means
	// as soon as the event is published.
	OpensAt *time.Time `json:"opens_at,omitempty"`
	// PowDifficulty asks each joiner's browser for a proof of work of this
	// many leading zero bits (0, the default, asks none).
	PowDifficulty int `json:"pow_difficulty,omitempty"`
}

// Queue modes.
const (
	QueueFixed = "fixed"
	QueueAuto  = "auto"
)

// MaxPowDifficulty bounds the proof of work. A browser's crypto.subtle
// does about 100,000 SHA-256 a second (headless Chromium here), so 16 bits
// take under a second and 22 about 40 seconds: the top of the range is for
// an on-sale under attack, not for every day.
const MaxPowDifficulty = 22

// OnSale reports whether tickets can be bought at now: published, past the
// on-sale time and before the start.
func (e Event) OnSale(now time.Time) bool {
	return e.Status == StatusPublished && !now.Before(e.OnsaleAt) && now.Before(e.StartsAt)
}

// SectionsOf names the sections prices are for, in their order: the
// sections an event puts on sale, since only a priced section has seats.
func SectionsOf(prices []Price) []string {
	out := make([]string, len(prices))
	for i, p := range prices {
		out[i] = p.Section
	}
	return out
}

// PriceOf returns the price of a section by name.
func (e Event) PriceOf(section string) (int64, bool) {
	for _, p := range e.Prices {
		if p.Section == section {
			return p.PriceCents, true
		}
	}
	return 0, false
}

// EventInput is the body of POST /events. Sections names the venue's
// sections to put on sale; nil (omitted) puts every section on sale. One
// screen of a cinema, or the stands of an arena without its floor, is an
// event on some sections.
type EventInput struct {
	VenueID           string       `json:"venue_id"`
	Name              string       `json:"name"`
	Category          string       `json:"category"`
	Description       string       `json:"description"`
	StartsAt          *time.Time   `json:"starts_at"`
	OnsaleAt          *time.Time   `json:"onsale_at"`
	MaxTicketsPerUser *int         `json:"max_tickets_per_user"`
	Currency          string       `json:"currency"`
	Sections          []string     `json:"sections"`
	Prices            []Price      `json:"prices"`
	DefaultPriceCents *int64       `json:"default_price_cents"`
	ServiceFeeCents   int64        `json:"service_fee_cents"`
	OrderFeeCents     int64        `json:"order_fee_cents"`
	AddOns            []AddOnInput `json:"add_ons"`
	Queue             *Queue       `json:"queue"`
}

// AddOnInput is one add-on of an EventInput.
type AddOnInput struct {
	Name        string `json:"name"`
	PriceCents  int64  `json:"price_cents"`
	MaxPerOrder int    `json:"max_per_order"`
}

// MaxPriceCents bounds any single price so sums of many cannot overflow int64.
const MaxPriceCents = 100_000_000 // one million in major units

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// Validate checks the input against the venue it is for and fills defaults.
func (in *EventInput) Validate(v Venue) error {
	var f apperr.Fields
	checkText(&f, "name", in.Name, true, 200)
	checkText(&f, "description", in.Description, false, 5000)
	if !slices.Contains(Categories, in.Category) {
		f.Add("category", "must be one of sports, concert, theatre, movie, comedy, family, other")
	}
	if in.StartsAt == nil {
		f.Add("starts_at", "is required")
	}
	if in.OnsaleAt == nil {
		f.Add("onsale_at", "is required")
	}
	if in.StartsAt != nil && in.OnsaleAt != nil && !in.OnsaleAt.Before(*in.StartsAt) {
		f.Add("onsale_at", "must be before starts_at")
	}
	if in.MaxTicketsPerUser == nil {
		eight := 8
		in.MaxTicketsPerUser = &eight
	}
	if n := *in.MaxTicketsPerUser; n < 1 || n > 100 {
		f.Add("max_tickets_per_user", "must be between 1 and 100")
	}
	if in.Currency == "" {
		in.Currency = "USD"
	}
	if !currencyRE.MatchString(in.Currency) {
		f.Add("currency", "must be an ISO 4217 code such as USD")
	}
	money := func(field string, c int64) {
		if c < 0 || c > MaxPriceCents {
			f.Add(field, "must be between 0 and %d", MaxPriceCents)
		}
	}
	money("service_fee_cents", in.ServiceFeeCents)
	money("order_fee_cents", in.OrderFeeCents)
	if in.DefaultPriceCents != nil {
		money("default_price_cents", *in.DefaultPriceCents)
	}
	sections := map[string]bool{}
	for _, s := range v.Sections {
		sections[s.Name] = true
	}
	onSale := in.onSale(v)
	if in.Sections != nil {
		if len(in.Sections) == 0 {
			f.Add("sections", "must name at least one section (omit it to put every section on sale)")
		}
		listed := map[string]bool{}
		for i, name := range in.Sections {
			field := fmt.Sprintf("sections[%d]", i)
			if !sections[name] {
				f.Add(field, "venue has no section %q", name)
			} else if listed[name] {
				f.Add(field, "section %q is listed twice", name)
			}
			listed[name] = true
		}
	}
	priced := map[string]bool{}
	for i, p := range in.Prices {
		field := fmt.Sprintf("prices[%d]", i)
		if !sections[p.Section] {
			f.Add(field+".section", "venue has no section %q", p.Section)
		} else if !onSale[p.Section] {
			f.Add(field+".section", "section %q is not on sale at this event (it is not in sections)", p.Section)
		} else if priced[p.Section] {
			f.Add(field+".section", "section %q is priced twice", p.Section)
		}
		priced[p.Section] = true
		money(field+".price_cents", p.PriceCents)
	}
	for _, s := range v.Sections {
		if onSale[s.Name] && !priced[s.Name] && in.DefaultPriceCents == nil {
			f.Add("prices", "section %q has no price and no default_price_cents is given", s.Name)
		}
	}
	if len(in.AddOns) > 20 {
		f.Add("add_ons", "at most 20 add-ons")
	}
	for i, a := range in.AddOns {
		field := fmt.Sprintf("add_ons[%d]", i)
		checkText(&f, field+".name", a.Name, true, 100)
		money(field+".price_cents", a.PriceCents)
		if a.MaxPerOrder == 0 {
			in.AddOns[i].MaxPerOrder = 1
		} else if a.MaxPerOrder < 1 || a.MaxPerOrder > 100 {
			f.Add(field+".max_per_order", "must be between 1 and 100")
		}
	}
	if in.Queue == nil {
		in.Queue = &Queue{AdmitPerMinute: 600}
	}
	if in.Queue.AdmitPerMinute == 0 {
		in.Queue.AdmitPerMinute = 600
	}
	checkQueue(&f, in.Queue, in.OnsaleAt)
	return f.Err()
}

// onSale is the set of the venue's sections the input puts on sale: those
// named in Sections, or every section when Sections is nil.
func (in *EventInput) onSale(v Venue) map[string]bool {
	out := map[string]bool{}
	if in.Sections == nil {
		for _, s := range v.Sections {
			out[s.Name] = true
		}
		return out
	}
	for _, name := range in.Sections {
		out[name] = true
	}
	return out
}

// checkQueue validates the waiting-room settings and fills their defaults.
func checkQueue(f *apperr.Fields, q *Queue, onsale *time.Time) {
	if q.AdmitPerMinute < 1 || q.AdmitPerMinute > 1_000_000 {
		f.Add("queue.admit_per_minute", "must be between 1 and 1000000")
	}
	switch q.Mode {
	case "":
		q.Mode = QueueFixed
	case QueueFixed, QueueAuto:
	default:
		f.Add("queue.mode", "must be fixed or auto")
	}
	if q.Mode == QueueAuto {
		if q.MinAdmitPerMinute < 1 || q.MinAdmitPerMinute > q.AdmitPerMinute {
			f.Add("queue.min_admit_per_minute", "must be between 1 and admit_per_minute in auto mode")
		}
		if q.MaxAdmitPerMinute < q.AdmitPerMinute || q.MaxAdmitPerMinute > 1_000_000 {
			f.Add("queue.max_admit_per_minute", "must be between admit_per_minute and 1000000 in auto mode")
		}
	} else if q.MinAdmitPerMinute != 0 || q.MaxAdmitPerMinute != 0 {
		f.Add("queue.mode", "min and max admission rates need mode auto")
	}
	if q.OpensAt != nil && onsale != nil && !q.OpensAt.Before(*onsale) {
		f.Add("queue.opens_at", "must be before onsale_at")
	}
	if q.PowDifficulty < 0 || q.PowDifficulty > MaxPowDifficulty {
		f.Add("queue.pow_difficulty", "must be between 0 and %d", MaxPowDifficulty)
	}
}
