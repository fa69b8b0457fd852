package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// addOnFormRows is how many add-on lines the new-event form shows.
const addOnFormRows = 3

type eventForm struct {
	Venues     []catalog.Venue
	Venue      *catalog.Venue
	Categories []string
	// Fields as typed: money in whole currency units, times in the
	// venue's local time (datetime-local).
	VenueID, Name, Category, Description, StartsAt, OnsaleAt, MaxPerUser, Currency string
	DefaultPrice, ServiceFee, OrderFee                                             string
	Queue                                                                          queueForm
	Prices                                                                         []priceForm
	AddOns                                                                         []addOnForm
	// Event is set when editing; Part then names its sections on sale
	// when they are not the whole venue (a showtime's screen).
	Event *catalog.Event
	Part  string
}

// priceForm is one section of the venue in the event form: whether it is
// on sale (all are, unless the organizer unticks some: a showtime on one
// screen of a cinema) and its price.
type priceForm struct {
	Index          int
	Section, Price string
	GA             bool
	Capacity       int
	OnSale         bool
}

type addOnForm struct {
	Index            int
	Name, Price, Max string
}

func (s *Server) newEventPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.requireAdmin(r); err != nil {
		return err
	}
	f := eventForm{Categories: catalog.Categories, Category: "concert", MaxPerUser: "8", Currency: "USD",
		ServiceFee: "4.75", OrderFee: "3.95", Queue: newQueueForm(), VenueID: r.URL.Query().Get("venue")}
	now := s.Clock.Now()
	tz := ""
	if err := s.loadVenues(r, &f); err != nil {
		return err
	}
	if f.Venue != nil {
		tz = f.Venue.Timezone
	}
	f.StartsAt = catalog.InZone(now.Add(14*24*time.Hour), tz).Format("2006-01-02") + "T19:30"
	f.OnsaleAt = catalog.InZone(now, tz).Format("2006-01-02T15:04")
	for i := range addOnFormRows {
		f.AddOns = append(f.AddOns, addOnForm{Index: i, Max: "1"})
	}
	v := view{Title: "New event", Data: &f, Notice: adminNotice(r.URL.Query().Get("notice"))}
	s.render(w, r, http.StatusOK, "event_form", v)
	return nil
}

// loadVenues fills the venue picker and, when one is chosen, its sections.
func (s *Server) loadVenues(r *http.Request, f *eventForm) error {
	vs, err := s.Catalog.Venues(r.Context(), "", nil, 0)
	if err != nil {
		return err
	}
	f.Venues = vs
	if f.VenueID == "" {
		return nil
	}
	v, err := s.Catalog.Venue(r.Context(), f.VenueID)
	if apperr.Is(err, apperr.NotFound) {
		f.VenueID = ""
		return nil
	}
	if err != nil {
		return err
	}
	f.Venue = &v
	if f.Prices == nil {
		for i, sec := range v.Sections {
			f.Prices = append(f.Prices, priceForm{Index: i, Section: sec.Name, GA: sec.GeneralAdmission, Capacity: sec.Capacity, OnSale: true})
		}
	}
	return nil
}

func (s *Server) createEvent(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireAdmin(r)
	if err != nil {
		return err
	}
	f := readEventForm(r)
	if err := s.loadVenues(r, &f); err != nil {
		return err
	}
	// The form marks that it carries the on-sale boxes, so that an
	// unticked box (which a browser does not send) is told apart from a
	// post without them, which sells every section.
	boxes := r.PostFormValue("sections_form") != ""
	for i := range f.Prices {
		f.Prices[i].Price = r.PostFormValue("price_" + strconv.Itoa(i))
		f.Prices[i].OnSale = !boxes || r.PostFormValue("on_"+strconv.Itoa(i)) != ""
	}
	for i := range addOnFormRows {
		p := "addon" + strconv.Itoa(i) + "_"
		f.AddOns = append(f.AddOns, addOnForm{Index: i, Name: r.PostFormValue(p + "name"), Price: r.PostFormValue(p + "price"), Max: r.PostFormValue(p + "max")})
	}
	var fe apperr.Fields
	if f.Venue == nil {
		fe.Add("venue", "choose a venue")
	}
	tz := ""
	if f.Venue != nil {
		tz = f.Venue.Timezone
	}
	in := catalog.EventInput{VenueID: f.VenueID, Name: f.Name, Category: f.Category, Description: f.Description, Currency: strings.ToUpper(strings.TrimSpace(f.Currency)),
		Queue: f.Queue.queue(&fe, tz)}
	in.StartsAt, in.OnsaleAt = localInput(&fe, "starts at", f.StartsAt, tz), localInput(&fe, "on sale at", f.OnsaleAt, tz)
	limit := integer(&fe, "tickets per buyer", f.MaxPerUser)
	in.MaxTicketsPerUser = &limit
	in.ServiceFeeCents, in.OrderFeeCents = cents(&fe, "service fee", f.ServiceFee), cents(&fe, "order fee", f.OrderFee)
	if strings.TrimSpace(f.DefaultPrice) != "" {
		d := cents(&fe, "default price", f.DefaultPrice)
		in.DefaultPriceCents = &d
	}
	var onSale []string
	for _, p := range f.Prices {
		if !p.OnSale {
			continue // its price, if typed, is not asked for
		}
		onSale = append(onSale, p.Section)
		if strings.TrimSpace(p.Price) != "" {
			in.Prices = append(in.Prices, catalog.Price{Section: p.Section, PriceCents: cents(&fe, "price of "+p.Section, p.Price)})
		}
	}
	switch {
	case f.Venue != nil && len(onSale) == 0:
		fe.Add("sections on sale", "tick at least one section to sell")
	case len(onSale) < len(f.Prices):
		in.Sections = onSale
	}
	for _, a := range f.AddOns {
		if strings.TrimSpace(a.Name) == "" {
			continue
		}
		in.AddOns = append(in.AddOns, catalog.AddOnInput{Name: a.Name, PriceCents: cents(&fe, a.Name+" price", a.Price), MaxPerOrder: integer(&fe, a.Name+" limit", a.Max)})
	}
	err = fe.Err()
	if err == nil {
		var e catalog.Event
		if e, err = s.Catalog.CreateEvent(r.Context(), u, in); err == nil {
			http.Redirect(w, r, "/admin/events/"+url.PathEscape(e.ID)+"/sales?notice=event", http.StatusSeeOther)
			return nil
		}
	}
	code, msg := message(err)
	if code == apperr.Internal {
		return err
	}
	s.render(w, r, statusFor(code), "event_form", view{Title: "New event", Error: msg, Data: &f})
	return nil
}

func readEventForm(r *http.Request) eventForm {
	return eventForm{Categories: catalog.Categories, VenueID: r.PostFormValue("venue"), Name: r.PostFormValue("name"),
		Category: r.PostFormValue("category"), Description: r.PostFormValue("description"), StartsAt: r.PostFormValue("starts_at"),
		OnsaleAt: r.PostFormValue("onsale_at"), MaxPerUser: r.PostFormValue("max_per_user"), Currency: r.PostFormValue("currency"),
		DefaultPrice: r.PostFormValue("default_price"), ServiceFee: r.PostFormValue("service_fee"), OrderFee: r.PostFormValue("order_fee"),
		Queue: readQueueForm(r)}
}

func (s *Server) editEventPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.requireAdmin(r); err != nil {
		return err
	}
	e, err := s.Catalog.Event(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	f := formOf(e)
	if f.Part, err = s.partOf(r, e); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "event_form", view{Title: "Edit " + e.Name, Data: &f, Notice: adminNotice(r.URL.Query().Get("notice"))})
	return nil
}

func formOf(e catalog.Event) eventForm {
	tz := e.Venue.Timezone
	f := eventForm{Event: &e, Categories: catalog.Categories, VenueID: e.VenueID, Venue: e.Venue, Name: e.Name, Category: e.Category,
		Description: e.Description, StartsAt: catalog.InZone(e.StartsAt, tz).Format("2006-01-02T15:04"), OnsaleAt: catalog.InZone(e.OnsaleAt, tz).Format("2006-01-02T15:04"),
		MaxPerUser: strconv.Itoa(e.MaxTicketsPerUser), Currency: e.Currency, ServiceFee: dollarString(e.ServiceFeeCents),
		OrderFee: dollarString(e.OrderFeeCents), Queue: queueFormOf(e.Queue, tz)}
	for i, p := range e.Prices {
		f.Prices = append(f.Prices, priceForm{Index: i, Section: p.Section, Price: dollarString(p.PriceCents)})
	}
	for i, a := range e.AddOns {
		f.AddOns = append(f.AddOns, addOnForm{Index: i, Name: a.Name, Price: dollarString(a.PriceCents), Max: strconv.Itoa(a.MaxPerOrder)})
	}
	return f
}

// updateEvent saves the editable fields; prices and add-ons are fixed once
// an event exists (see catalog.EventUpdate).
func (s *Server) updateEvent(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireAdmin(r)
	if err != nil {
		return err
	}
	e, err := s.Catalog.Event(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	in := readEventForm(r)
	var fe apperr.Fields
	tz := e.Venue.Timezone
	up := catalog.EventUpdate{Name: &in.Name, Category: &in.Category, Description: &in.Description,
		StartsAt: localInput(&fe, "starts at", in.StartsAt, tz), OnsaleAt: localInput(&fe, "on sale at", in.OnsaleAt, tz)}
	limit := integer(&fe, "tickets per buyer", in.MaxPerUser)
	sf, of := cents(&fe, "service fee", in.ServiceFee), cents(&fe, "order fee", in.OrderFee)
	up.MaxTicketsPerUser, up.ServiceFeeCents, up.OrderFeeCents = &limit, &sf, &of
	up.Queue = in.Queue.queue(&fe, tz)
	err = fe.Err()
	if err == nil {
		if _, err = s.Catalog.UpdateEvent(r.Context(), u, e.ID, up); err == nil {
			http.Redirect(w, r, "/admin/events/"+url.PathEscape(e.ID)+"?notice=saved", http.StatusSeeOther)
			return nil
		}
	}
	code, msg := message(err)
	if code == apperr.Internal {
		return err
	}
	f := formOf(e)
	if f.Part, err = s.partOf(r, e); err != nil {
		return err
	}
	f.Name, f.Category, f.Description, f.StartsAt, f.OnsaleAt = in.Name, in.Category, in.Description, in.StartsAt, in.OnsaleAt
	f.MaxPerUser, f.ServiceFee, f.OrderFee, f.Queue = in.MaxPerUser, in.ServiceFee, in.OrderFee, in.Queue
	s.render(w, r, statusFor(code), "event_form", view{Title: "Edit " + e.Name, Error: msg, Data: &f})
	return nil
}

// partOf names the sections e sells when they are not all of its venue's.
func (s *Server) partOf(r *http.Request, e catalog.Event) (string, error) {
	v, err := s.Catalog.Venue(r.Context(), e.VenueID)
	if err != nil {
		return "", err
	}
	return partOf(e, v), nil
}

// localInput reads a datetime-local value in the venue's time zone.
func localInput(fe *apperr.Fields, field, v, tz string) *time.Time {
	t, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(v), catalog.Zone(tz))
	if err != nil {
		fe.Add(field, "must be a date and time")
		return nil
	}
	return &t
}

// cents reads an amount typed in whole units ("25", "4.75").
func cents(fe *apperr.Fields, field, v string) int64 {
	c, ok := parseDollars(strings.TrimPrefix(strings.TrimSpace(v), "$"))
	if !ok && strings.TrimSpace(v) != "" {
		fe.Add(field, "must be an amount such as 25 or 4.75")
	}
	return c
}

func dollarString(c int64) string {
	if c%100 == 0 {
		return strconv.FormatInt(c/100, 10)
	}
	return strconv.FormatInt(c/100, 10) + "." + strconv.FormatInt(100+c%100, 10)[1:]
}
