package store

import "github.com/boxoffice/boxoffice/internal/booking"

// Lines makes the money lines of a sales breakdown from the four sums an
// engine's SQL gives, in the order tickets, service fees, order fees,
// add-ons.
func Lines(sums [4]int64) booking.MoneyLines {
	return booking.MoneyLines{TicketsCents: sums[0], ServiceFeesCents: sums[1], OrderFeesCents: sums[2], AddOnsCents: sums[3],
		TotalCents: sums[0] + sums[1] + sums[2] + sums[3]}
}

// SectionSales makes one section's figures from its SQL sums: valid and
// refunded tickets, face value, service fees, and what was refunded.
func SectionSales(name string, sold, refunded int, faceCents, feesCents, refundedCents int64) booking.SectionSales {
	gross := faceCents + feesCents
	return booking.SectionSales{Section: name, Sold: sold, Refunded: refunded, TicketsCents: faceCents, FeesCents: feesCents,
		GrossCents: gross, RefundedCents: refundedCents, NetCents: gross - refundedCents}
}

// Breakdown puts an event's sums together; net is gross less refunded.
func Breakdown(gross, refunded [4]int64, sections []booking.SectionSales) booking.SalesBreakdown {
	var net [4]int64
	for i := range net {
		net[i] = gross[i] - refunded[i]
	}
	if sections == nil {
		sections = []booking.SectionSales{}
	}
	return booking.SalesBreakdown{Gross: Lines(gross), Refunded: Lines(refunded), Net: Lines(net), Sections: sections}
}
