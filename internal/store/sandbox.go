package store

import (
	"database/sql"

	"github.com/boxoffice/boxoffice/internal/payment"
)

// SandboxColumns are the columns of sandbox_payments that make an attempt,
// in the order AttemptRow.Dest scans them. Both engines select them so.
const SandboxColumns = `idempotency_key, amount_cents, currency, token, charge_id, card_brand, last4, refunded_cents,
	decline_code, decline_message, created_at`

// AttemptRow is one scanned row of sandbox_payments, the payment sandbox's
// ledger of idempotency keys.
type AttemptRow struct {
	key, currency, token, brand, last4, declineCode, declineMsg string
	amount, refunded, created                                   int64
	chargeID                                                    sql.NullString
}

// Dest is the scan destination list for SandboxColumns.
func (r *AttemptRow) Dest() []any {
	return []any{&r.key, &r.amount, &r.currency, &r.token, &r.chargeID, &r.brand, &r.last4, &r.refunded,
		&r.declineCode, &r.declineMsg, &r.created}
}

// Attempt is the row as the payment package sees it.
func (r *AttemptRow) Attempt() payment.Attempt {
	a := payment.Attempt{Key: r.key, AmountCents: r.amount, Currency: r.currency, Token: r.token,
		DeclineCode: r.declineCode, DeclineMessage: r.declineMsg}
	if r.chargeID.Valid {
		a.Charge = &payment.Charge{ID: r.chargeID.String, IdempotencyKey: r.key, AmountCents: r.amount, Currency: r.currency,
			Status: payment.StatusSucceeded, CardBrand: r.brand, Last4: r.last4, RefundedCents: r.refunded, Created: Time(r.created)}
	}
	return a
}

// AttemptArgs is the argument list that inserts a, in SandboxColumns order.
func AttemptArgs(a payment.Attempt) []any {
	var chargeID sql.NullString
	var brand, last4 string
	var created int64
	if c := a.Charge; c != nil {
		chargeID, brand, last4, created = sql.NullString{String: c.ID, Valid: true}, c.CardBrand, c.Last4, Millis(c.Created)
	}
	return []any{a.Key, a.AmountCents, a.Currency, a.Token, chargeID, brand, last4, int64(0), a.DeclineCode, a.DeclineMessage, created}
}

// RefundRow is one scanned row of sandbox_refunds (id, charge_id,
// amount_cents, created_at).
type RefundRow struct {
	id, chargeID    string
	amount, created int64
}

// Dest is the scan destination list for id, charge_id, amount_cents, created_at.
func (r *RefundRow) Dest() []any { return []any{&r.id, &r.chargeID, &r.amount, &r.created} }

// Refund is the row as the payment package sees it.
func (r *RefundRow) Refund() payment.Refund {
	return payment.Refund{ID: r.id, ChargeID: r.chargeID, AmountCents: r.amount, Status: payment.StatusSucceeded, Created: Time(r.created)}
}
