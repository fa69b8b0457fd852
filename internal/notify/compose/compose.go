// Package compose writes the messages Boxoffice sends: the order
// confirmation (text and HTML, each ticket's QR code inline, a calendar
// invite), the refund notice and the cancellation of an event. A message
// is composed when it is sent, from the order as it is then, so that the
// outbox keeps only what a message is about (see package notify).
package compose

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// Orders reads the order a message is about.
type Orders interface {
	Order(ctx context.Context, id string) (booking.Order, error)
}

// Catalog reads the event and venue of an order.
type Catalog interface {
	Event(ctx context.Context, id string) (catalog.Event, error)
	Venue(ctx context.Context, id string) (catalog.Venue, error)
}

// Composer composes outbox messages into letters.
type Composer struct {
	Orders  Orders
	Catalog Catalog
	// PublicURL is where buyers reach this Boxoffice, for the links in a
	// message ("http://localhost:8080").
	PublicURL string
	// Domain names this Boxoffice in Message-IDs and calendar UIDs.
	Domain string
	Now    func() time.Time

	mu     sync.Mutex
	events map[string]cachedEvent
}

// An on-sale sends thousands of messages about one event: its event and
// venue are read once a while, not once a message.
type cachedEvent struct {
	e    catalog.Event
	v    catalog.Venue
	read time.Time
}

const eventCacheTTL = 30 * time.Second

var _ notify.Composer = (*Composer)(nil)

// Compose turns m into the letter for its channel.
func (c *Composer) Compose(ctx context.Context, m notify.Message, bodies bool) (notify.Letter, error) {
	l := notify.Letter{Message: m, MessageID: fmt.Sprintf("<%s@%s>", m.ID, c.domain())}
	if m.Kind == "" {
		l.Subject, l.Text = m.Subject, m.Body
		return l, nil
	}
	o, err := c.Orders.Order(ctx, m.Ref)
	if err != nil {
		return l, fmt.Errorf("order %s: %w", m.Ref, err)
	}
	e, v, err := c.event(ctx, o.EventID)
	if err != nil {
		return l, err
	}
	d := c.facts(m, o, e, v)
	switch m.Kind {
	case notify.KindOrderConfirmed:
		l.Subject = "Your tickets for " + e.Name
	case notify.KindOrderRefunded:
		l.Subject = fmt.Sprintf("Refund of your order for %s", e.Name)
	case notify.KindEventCancelled:
		l.Subject = fmt.Sprintf("Cancelled: %s, %s", e.Name, d.When)
	default:
		return l, notify.Permanent(fmt.Errorf("unknown message kind %q", m.Kind))
	}
	if m.Channel == notify.ChannelSMS {
		l.Text, err = render(smsTemplates, m.Kind, d)
		return l, err
	}
	if !bodies {
		return l, nil
	}
	if l.Text, err = render(textTemplates, m.Kind, d); err != nil {
		return l, err
	}
	if m.Kind == notify.KindOrderConfirmed {
		for i, t := range d.Tickets {
			png, err := qrPNG(t.Barcode)
			if err != nil {
				return l, err
			}
			l.Inline = append(l.Inline, notify.Part{Name: t.ID + ".png", ContentType: "image/png", ContentID: d.Tickets[i].QRCID, Data: png})
		}
	}
	if l.HTML, err = renderHTML(m.Kind, d); err != nil {
		return l, err
	}
	if m.Kind != notify.KindOrderRefunded {
		l.Attachments = append(l.Attachments, notify.Part{Name: "event.ics", ContentType: "text/calendar; charset=utf-8; method=" + invite(m.Kind),
			Data: calendar(c.uid(o), invite(m.Kind), d, c.now())})
	}
	return l, nil
}

func (c *Composer) domain() string {
	if c.Domain == "" {
		return "boxoffice.localhost"
	}
	return c.Domain
}

func (c *Composer) uid(o booking.Order) string { return "order-" + o.ID + "@" + c.domain() }

func (c *Composer) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

// event returns an event and its venue, from the cache when fresh.
func (c *Composer) event(ctx context.Context, id string) (catalog.Event, catalog.Venue, error) {
	c.mu.Lock()
	ce, ok := c.events[id]
	c.mu.Unlock()
	if ok && c.now().Sub(ce.read) < eventCacheTTL {
		return ce.e, ce.v, nil
	}
	e, err := c.Catalog.Event(ctx, id)
	if err != nil {
		return e, catalog.Venue{}, fmt.Errorf("event %s: %w", id, err)
	}
	v, err := c.Catalog.Venue(ctx, e.VenueID)
	if err != nil {
		return e, v, fmt.Errorf("venue %s: %w", e.VenueID, err)
	}
	v.Sections = nil
	c.mu.Lock()
	if c.events == nil || len(c.events) > 1000 {
		c.events = map[string]cachedEvent{}
	}
	c.events[id] = cachedEvent{e, v, c.now()}
	c.mu.Unlock()
	return e, v, nil
}

// facts are what the templates show.
type facts struct {
	Kind       string
	OrderID    string
	OrderURL   string
	TicketsURL string
	Event      string
	Venue      string
	Address    string
	When       string // the start in the venue's time zone
	StartsAt   time.Time
	Tickets    []ticketFacts
	Lines      []lineFacts
	Total      string
	Refunded   string
}

type ticketFacts struct {
	ID, Seat, Barcode, QRCID string
}

type lineFacts struct {
	Description string
	Quantity    int
	Unit, Total string
}

func (c *Composer) facts(m notify.Message, o booking.Order, e catalog.Event, v catalog.Venue) facts {
	base := strings.TrimRight(c.PublicURL, "/")
	// People read the order's short number; the id stays in the URL.
	ref := o.ID
	if o.Number > 0 {
		ref = "#" + strconv.FormatInt(o.Number, 10)
	}
	d := facts{Kind: m.Kind, OrderID: ref, OrderURL: base + "/orders/" + o.ID, TicketsURL: base + "/me/tickets",
		Event: e.Name, Venue: v.Name, Address: address(v), When: localTime(e.StartsAt, v.Timezone), StartsAt: e.StartsAt,
		Total: money(o.TotalCents, o.Currency), Refunded: money(o.RefundedCents, o.Currency)}
	for _, t := range o.Tickets {
		seat := "Section " + t.Section
		if t.Row != nil && t.Number != nil {
			seat += fmt.Sprintf(", row %s, seat %d", *t.Row, *t.Number)
		} else {
			seat += " (general admission)"
		}
		d.Tickets = append(d.Tickets, ticketFacts{ID: t.ID, Seat: seat, Barcode: t.Barcode, QRCID: "qr-" + t.ID + "@" + c.domain()})
	}
	for _, li := range o.LineItems {
		d.Lines = append(d.Lines, lineFacts{Description: li.Description, Quantity: li.Quantity,
			Unit: money(li.UnitCents, o.Currency), Total: money(li.TotalCents, o.Currency)})
	}
	return d
}

func address(v catalog.Venue) string {
	var parts []string
	for _, p := range []string{v.Address, v.City, v.Region, v.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// localTime is when an event starts where it happens: a buyer in another
// zone still needs the time on the venue's clocks.
func localTime(t time.Time, zone string) string {
	return catalog.InZone(t, zone).Format("Monday 2 January 2006, 15:04 MST")
}

func money(cents int64, currency string) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, cents/100, cents%100, currency)
}

func invite(kind string) string {
	if kind == notify.KindEventCancelled {
		return "CANCEL"
	}
	return "PUBLISH"
}
