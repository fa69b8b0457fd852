package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// maxListing is how many offers the event page lists.
const maxListing = 40

type eventData struct {
	Event catalog.Event
	Venue catalog.Venue
	// Part names the sections on sale when not the whole venue: the
	// screen a showtime is on ("Screen 2").
	Part     string
	OnSale   bool
	SaleNote string
	Others   []catalog.Event
	Filter   listingFilter
	// MaxQty is the most the quantity selector offers.
	MaxQty   int
	Listing  []listingRow
	Map      mapView
	Hold     *holdPanel
	SignedIn bool
	// Queue is the waiting room's banner; nil when the event has none.
	Queue *queueBanner
	// LoadError is shown instead of the map and listing if they failed.
	LoadError string
}

// listingFilter is the listing's form. The price range is per ticket with
// the service fee, as the listing shows prices; feeCents turns it back
// into face value for the offers query.
type listingFilter struct {
	Quantity           int
	Sort               string
	MinPrice, MaxPrice string // whole currency units as typed
	minCents, maxCents int64
	// feeCents is the per-ticket service fee: the prices typed are all-in.
	feeCents int64
	// Section is the one section listed, chosen on the map; "" for all.
	Section string
}

// listingRow is one line of "what is available": the block of seats a
// buyer gets, in a row's run of free seats RunFrom–RunTo, or a
// general-admission area.
type listingRow struct {
	Key      string // data-offer: "section|row|from-to" or "section|GA"
	Section  string
	Row      string
	From, To int
	// RunFrom and RunTo are the free seats around the block.
	RunFrom, RunTo int
	GA             bool
	PriceCents     int64
	Available      int
	SeatIDs        string // the block's seat ids, comma-separated
	Quantity       int
}

func parseFilter(r *http.Request, maxQty int) listingFilter {
	q := r.URL.Query()
	f := listingFilter{Quantity: 2, Sort: "price", MinPrice: strings.TrimSpace(q.Get("min")), MaxPrice: strings.TrimSpace(q.Get("max"))}
	if n, err := strconv.Atoi(q.Get("quantity")); err == nil && n >= 1 && n <= maxQty {
		f.Quantity = n
	}
	if f.Quantity > maxQty {
		f.Quantity = maxQty
	}
	if q.Get("sort") == "best" {
		f.Sort = "best"
	}
	if sec := strings.TrimSpace(q.Get("section")); len(sec) <= 200 {
		f.Section = sec
	}
	f.minCents, _ = parseDollars(f.MinPrice)
	f.maxCents, _ = parseDollars(f.MaxPrice)
	return f
}

// parseDollars reads "25" or "25.50" as minor units.
func parseDollars(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	whole, frac, _ := strings.Cut(s, ".")
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > catalog.MaxPriceCents/100 {
		return 0, false
	}
	c := w * 100
	if frac != "" {
		if len(frac) == 1 {
			frac += "0"
		}
		f, err := strconv.Atoi(frac[:min(2, len(frac))])
		if err != nil || f < 0 {
			return 0, false
		}
		c += int64(f)
	}
	return c, true
}

func (s *Server) eventPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	e, err := s.Catalog.Event(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := s.Catalog.Venue(ctx, e.VenueID)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	d := eventData{Event: e, Venue: v, Part: partOf(e, v), OnSale: e.OnSale(now), MaxQty: min(e.MaxTicketsPerUser, 10), SignedIn: s.user(r) != nil,
		Queue: s.eventQueue(r, e, s.user(r))}
	switch {
	case e.Status == catalog.StatusCancelled:
		d.SaleNote = "This event was cancelled. Every ticket has been refunded."
	case now.Before(e.OnsaleAt):
		d.SaleNote = "Tickets go on sale " + localTime(e.OnsaleAt, v.Timezone) + "."
	case !now.Before(e.StartsAt):
		d.SaleNote = "This event has started; sales are closed."
	}
	d.Filter = parseFilter(r, d.MaxQty)
	d.Filter.feeCents = e.ServiceFeeCents
	others, err := s.Catalog.VenueEvents(ctx, v.ID, 13)
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.ID != e.ID && len(d.Others) < 12 {
			d.Others = append(d.Others, o)
		}
	}
	vw := view{Title: e.Name, Scripts: []string{"event.js"}, Data: &d}
	if id := r.URL.Query().Get("hold"); id != "" {
		if u := s.user(r); u != nil {
			h, err := s.Booking.Hold(ctx, *u, id)
			if err != nil && !apperr.Is(err, apperr.NotFound) {
				return err
			}
			if err == nil && h.EventID == e.ID {
				d.Hold = newHoldPanel(h, e, now)
			}
		}
	}
	if code := r.URL.Query().Get("error"); code == "released" {
		vw.Notice = flashMessage(code)
	} else if code != "" {
		vw.Error = flashMessage(code)
	}
	if d.Queue != nil && d.Queue.HasPass && r.URL.Query().Get("queue") == "admitted" {
		vw.Notice = "It's your turn! Choose your seats and hold them now."
		if t, ok := passUntil(r.URL.Query(), now); ok {
			vw.Notice = "It's your turn! Choose your seats and hold them by " + catalog.InZone(t, v.Timezone).Format("3:04 PM") + "."
		}
	}
	// The header paints while the seat map and the listing are read: on a
	// process's first view of a stadium that read is the slow part.
	s.renderStream(w, r, "event", "event-head", "event-body", vw, func() error {
		snap, err := s.Booking.Snapshot(ctx, e.ID)
		if err != nil {
			return err
		}
		if d.Listing, err = listing(snap, d.Filter); err != nil {
			return err
		}
		d.Map = buildMapView(v, e, snap)
		return nil
	}, func(msg string) { d.LoadError = msg })
	return nil
}

// eventListing serves the event page's listing alone, for the page to
// swap in when a buyer chooses a section on the map (?section=) or leaves
// it: the same filter and rows as the page, without reloading the map.
func (s *Server) eventListing(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	e, err := s.Catalog.Event(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := eventData{Event: e, OnSale: e.OnSale(s.Clock.Now()), MaxQty: min(e.MaxTicketsPerUser, 10)}
	d.Filter = parseFilter(r, d.MaxQty)
	d.Filter.feeCents = e.ServiceFeeCents
	snap, err := s.Booking.Snapshot(ctx, e.ID)
	if err != nil {
		return err
	}
	if d.Listing, err = listing(snap, d.Filter); err != nil {
		return err
	}
	s.renderPart(w, r, "event", "listing", view{Data: &d})
	return nil
}

// listing ranks what is available for the filter, from the snapshot: the
// first maxListing offers, spread over sections and rows as the API's are.
// A minimum above the maximum is read as the range typed the wrong way
// round.
func listing(snap booking.Snapshot, f listingFilter) ([]listingRow, error) {
	// The range is typed in all-in prices (the face value and the service
	// fee); the offers are chosen by face value.
	lo, hi := f.minCents, f.maxCents
	if hi > 0 && lo > hi {
		lo, hi = hi, lo
	}
	if hi > 0 {
		if hi -= f.feeCents; hi <= 0 {
			return nil, nil // below the fee alone: nothing is that cheap
		}
	}
	lo = max(lo-f.feeCents, 0)
	offers, err := snap.Offers(booking.OfferQuery{Quantity: f.Quantity, Sort: f.Sort, MinPriceCents: lo, MaxPriceCents: hi,
		Section: f.Section, Limit: maxListing})
	if err != nil {
		return nil, err
	}
	rows := make([]listingRow, 0, len(offers))
	for _, o := range offers {
		lr := listingRow{Section: o.Section, PriceCents: o.PriceCents, Available: o.Available, Quantity: f.Quantity}
		if o.Row == nil {
			lr.GA, lr.Key = true, o.Section+"|GA"
		} else {
			lr.Row, lr.From, lr.To, lr.RunFrom, lr.RunTo = *o.Row, *o.SeatFrom, *o.SeatTo, *o.RunFrom, *o.RunTo
			lr.Key = fmt.Sprintf("%s|%s|%d-%d", o.Section, lr.Row, lr.From, lr.To)
			lr.SeatIDs = strings.Join(o.SeatIDs, ",")
		}
		rows = append(rows, lr)
	}
	return rows, nil
}

// flashMessage maps the short codes that redirects carry to words, so a
// URL can never put arbitrary text on the page.
func flashMessage(code string) string {
	switch code {
	case "taken":
		return friendly[apperr.SeatsUnavailable]
	case "expired":
		return "Your hold expired and the seats went back on sale. Search again to pick new ones."
	case "released":
		return "Your seats were released."
	case "pick":
		return "Pick some seats on the map or in the list first."
	case "limit":
		return friendly[apperr.TicketLimitExceeded]
	case "notonsale":
		return friendly[apperr.NotOnSale]
	}
	return ""
}
