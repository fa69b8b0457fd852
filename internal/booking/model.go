// Package booking owns everything that changes who has a seat: holds,
// best-available selection, checkout and payment, tickets, check-in,
// refunds and event cancellation.
//
// The invariants of shared/design.md live here and in the store engines
// together: this package decides what to do, and every decision that two
// buyers could race for ends in one conditional database write whose row
// count tells who won.
package booking

import (
	"encoding/json"
	"strconv"
	"time"
)

// SeatStatus is what a buyer sees of a seat.
type SeatStatus string

// Seat statuses of the contract.
const (
	SeatAvailable SeatStatus = "available"
	SeatHeld      SeatStatus = "held"
	SeatSold      SeatStatus = "sold"
)

// Seat is one place of one event: a numbered seat, or one place of a
// general-admission area (Row "" and Number 0).
type Seat struct {
	No         int64 // the seat's id within its event
	SectionID  string
	Section    string
	GA         bool
	Row        string
	RowIndex   int
	Number     int
	Score      int64 // lower is better
	PriceCents int64
	HoldID     string
	HoldUntil  time.Time // zero when not held
	OrderID    string
}

// Status is the seat's status at now. An expired hold is no hold at all,
// whether or not the sweeper has tidied it up yet (invariant 3).
func (s Seat) Status(now time.Time) SeatStatus {
	switch {
	case s.OrderID != "":
		return SeatSold
	case s.HoldID != "" && s.HoldUntil.After(now):
		return SeatHeld
	default:
		return SeatAvailable
	}
}

// ID is the seat's public id.
func (s Seat) ID() string { return strconv.FormatInt(s.No, 10) }

// HoldStatus is the lifecycle of a hold.
type HoldStatus string

// Hold statuses. HoldPaying is internal: a hold whose order is in payment
// does not expire (invariant 5) and shows as active.
const (
	HoldActive    HoldStatus = "active"
	HoldPaying    HoldStatus = "paying"
	HoldReleased  HoldStatus = "released"
	HoldConverted HoldStatus = "converted"
	HoldExpired   HoldStatus = "expired"
)

// Hold keeps seats for one buyer until ExpiresAt.
type Hold struct {
	ID            string     `json:"id"`
	EventID       string     `json:"event_id"`
	UserID        string     `json:"-"`
	Status        HoldStatus `json:"status"`
	ExpiresAt     time.Time  `json:"expires_at"`
	Quantity      int        `json:"quantity"`
	Seats         []HeldSeat `json:"seats"`
	SubtotalCents int64      `json:"subtotal_cents"`
	// The fees checkout adds, at the event's terms when the hold is read:
	// the service fee per ticket and the order fee once. A buyer is shown
	// the total, fees included, from the first price on (all-in pricing).
	ServiceFeeCents int64     `json:"service_fee_cents"`
	OrderFeeCents   int64     `json:"order_fee_cents"`
	FeesCents       int64     `json:"fees_cents"`
	TotalCents      int64     `json:"total_cents"`
	Currency        string    `json:"currency"`
	OrderID         string    `json:"order_id,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
}

// HeldSeat is one seat of a hold, priced when it was held.
type HeldSeat struct {
	No         int64   `json:"-"`
	ID         string  `json:"id"`
	Section    string  `json:"section"`
	Row        *string `json:"row"`
	Number     *int    `json:"number"`
	PriceCents int64   `json:"price_cents"`
}

// StatusAt is the status a client sees at now.
func (h Hold) StatusAt(now time.Time) HoldStatus {
	switch {
	case h.Status == HoldPaying:
		return HoldActive
	case h.Status == HoldActive && !h.ExpiresAt.After(now):
		return HoldExpired
	default:
		return h.Status
	}
}

// OrderStatus is the lifecycle of an order.
type OrderStatus string

// Order statuses of the contract.
const (
	OrderPending       OrderStatus = "pending"
	OrderPaid          OrderStatus = "paid"
	OrderPaymentFailed OrderStatus = "payment_failed"
	OrderRefunded      OrderStatus = "refunded"
	OrderCancelled     OrderStatus = "cancelled"
)

// Order is a checkout of one hold.
type Order struct {
	ID string `json:"id"`
	// Number is the order's short number for people ("Order 1042"): the
	// database hands it out when the order is inserted, unique across every
	// instance; 0 until then.
	Number        int64       `json:"number"`
	Status        OrderStatus `json:"status"`
	EventID       string      `json:"event_id"`
	HoldID        string      `json:"hold_id"`
	UserID        string      `json:"-"`
	Currency      string      `json:"currency"`
	Delivery      string      `json:"delivery"`
	LineItems     []LineItem  `json:"line_items"`
	SubtotalCents int64       `json:"subtotal_cents"`
	FeesCents     int64       `json:"fees_cents"`
	TotalCents    int64       `json:"total_cents"`
	RefundedCents int64       `json:"refunded_cents"`
	Payment       Payment     `json:"payment"`
	Tickets       []Ticket    `json:"tickets"`
	// ConfirmBy are the channels the buyer chose for the confirmation
	// ("email", "sms"); Phone is the number an SMS goes to.
	ConfirmBy []string  `json:"confirm_by"`
	Phone     string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Payment says how an order was paid. CardBrand and CardLast4 are what
// the payment provider answered about the card it charged ("visa",
// "4242"), never what the buyer typed.
type Payment struct {
	Provider  string
	ChargeID  string // "" until a charge succeeded
	CardBrand string
	CardLast4 string
}

// MarshalJSON writes charge_id and the card's fields as null when there
// is no charge (or the provider did not say).
func (p Payment) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Provider  string  `json:"provider"`
		ChargeID  *string `json:"charge_id"`
		CardBrand *string `json:"card_brand"`
		CardLast4 *string `json:"card_last4"`
	}{p.Provider, optString(p.ChargeID), optString(p.CardBrand), optString(p.CardLast4)})
}

// LineItem kinds.
const (
	KindTicket     = "ticket"
	KindAddOn      = "add_on"
	KindServiceFee = "service_fee"
	KindOrderFee   = "order_fee"
)

// LineItem is one line of an order's receipt.
type LineItem struct {
	Kind        string `json:"kind"`
	Description string `json:"description"`
	AddOnID     string `json:"add_on_id,omitempty"`
	Quantity    int    `json:"quantity"`
	UnitCents   int64  `json:"unit_cents"`
	TotalCents  int64  `json:"total_cents"`
}

// Ticket statuses.
const (
	TicketValid = "valid"
	TicketVoid  = "void"
)

// Ticket is the right to one seat, proven by a signed barcode.
type Ticket struct {
	ID          string     `json:"id"`
	OrderID     string     `json:"order_id"`
	EventID     string     `json:"event_id"`
	UserID      string     `json:"-"`
	SeatNo      int64      `json:"-"`
	SeatID      string     `json:"seat_id"`
	Section     string     `json:"section"`
	Row         *string    `json:"row"`
	Number      *int       `json:"number"`
	Barcode     string     `json:"barcode"`
	Status      string     `json:"status"`
	CheckedInAt *time.Time `json:"checked_in_at"`
	CreatedAt   time.Time  `json:"created_at"`
	// Event is what the ticket is for, on the ticket endpoints' answers;
	// nil elsewhere (an order names its event once).
	Event *TicketEvent `json:"event,omitempty"`
}

// TicketEvent is what a ticket says of its event, so that a ticket shown
// on its own (a wallet, a phone at the gate) needs no second request.
// LocalStartsAt is StartsAt in the venue's time zone, with its offset.
type TicketEvent struct {
	Name          string      `json:"name"`
	StartsAt      time.Time   `json:"starts_at"`
	LocalStartsAt string      `json:"local_starts_at"`
	Venue         TicketVenue `json:"venue"`
}

// TicketVenue is where a ticket's event happens.
type TicketVenue struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	City     string `json:"city"`
	Timezone string `json:"timezone"`
}

// SeatCounts are an event's places by status, read in one snapshot so that
// Available+Held+Sold == Capacity always (invariant 2).
type SeatCounts struct {
	Capacity  int `json:"capacity"`
	Available int `json:"available"`
	Held      int `json:"held"`
	Sold      int `json:"sold"`
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}
