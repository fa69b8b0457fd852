package booking

// Sales are an event's figures for its organizer. Gross counts every
// order that was ever paid, refunded ones too (as the contract has it);
// Net is what is left after refunds. Failed payment attempts, pending and
// cancelled orders count nowhere.
type Sales struct {
	EventID string `json:"event_id"`
	SeatCounts
	Orders        int    `json:"orders"`
	GrossCents    int64  `json:"gross_cents"`
	RefundedCents int64  `json:"refunded_cents"`
	NetCents      int64  `json:"net_cents"`
	FeesCents     int64  `json:"fees_cents"`    // service and order fees of the gross
	AddOnsCents   int64  `json:"add_ons_cents"` // add-ons of the gross
	Currency      string `json:"currency"`
	SalesBreakdown
}

// SalesBreakdown splits an event's money by kind and by section. The
// engines compute every sum in SQL, from the orders' line items and the
// prices their seats were held at.
type SalesBreakdown struct {
	Gross    MoneyLines     `json:"gross"`
	Refunded MoneyLines     `json:"refunded"`
	Net      MoneyLines     `json:"net"`
	Sections []SectionSales `json:"sections"`
}

// MoneyLines are sums of one kind of line item each.
type MoneyLines struct {
	TicketsCents     int64 `json:"tickets_cents"` // face value
	ServiceFeesCents int64 `json:"service_fees_cents"`
	OrderFeesCents   int64 `json:"order_fees_cents"`
	AddOnsCents      int64 `json:"add_ons_cents"`
	TotalCents       int64 `json:"total_cents"`
}

// SectionSales are one section's tickets and money. Add-ons and order fees
// belong to orders, not seats, so they are in the event's figures only.
type SectionSales struct {
	Section string `json:"section"`
	// Sold counts valid tickets (of paid orders); Refunded the tickets of
	// refunded orders.
	Sold          int   `json:"sold"`
	Refunded      int   `json:"refunded"`
	TicketsCents  int64 `json:"tickets_cents"` // face value of every ticket ever paid for
	FeesCents     int64 `json:"fees_cents"`    // their service fees
	GrossCents    int64 `json:"gross_cents"`   // TicketsCents + FeesCents
	RefundedCents int64 `json:"refunded_cents"`
	NetCents      int64 `json:"net_cents"`
}
