package booking

import "github.com/boxoffice/boxoffice/internal/catalog"

// AllInCents is what one ticket of face value face costs a buyer at event
// e, the per-ticket service fee included. US rules for live-event tickets
// (2025) ask for this total wherever a price is first shown; the order
// fee, charged once per order whatever its size, is named beside it.
func AllInCents(e catalog.Event, face int64) int64 { return face + e.ServiceFeeCents }

// addFees fills in the fees that checking h out would add, computed as
// Price computes them, so the hold's total is the order's total before
// add-ons.
func (h *Hold) addFees(e catalog.Event) {
	h.ServiceFeeCents, h.OrderFeeCents = e.ServiceFeeCents, e.OrderFeeCents
	h.FeesCents = int64(len(h.Seats))*e.ServiceFeeCents + e.OrderFeeCents
	h.TotalCents = h.SubtotalCents + h.FeesCents
}
