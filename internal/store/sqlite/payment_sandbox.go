package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/boxoffice/boxoffice/internal/payment"
	"github.com/boxoffice/boxoffice/internal/store"
)

// PaymentLedger is the payment sandbox's ledger in this database's
// sandbox_* tables.
func (s *Store) PaymentLedger() payment.Ledger { return sandboxLedger{s} }

type sandboxLedger struct{ s *Store }

var _ payment.Ledger = sandboxLedger{}

func (l sandboxLedger) RecordAttempt(ctx context.Context, a payment.Attempt) (payment.Attempt, bool, error) {
	// One attempt per order: batched with the others arriving together.
	n, err := l.s.batched.exec(ctx, `INSERT INTO sandbox_payments (`+store.SandboxColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`, store.AttemptArgs(a)...)
	if err != nil || n == 1 {
		return a, n == 1, err
	}
	got, _, err := attemptByKey(ctx, l.s.w, a.Key)
	return got, false, err
}

func (l sandboxLedger) Attempt(ctx context.Context, key string) (payment.Attempt, bool, error) {
	return attemptByKey(ctx, l.s.r, key)
}

type queryRower interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func attemptByKey(ctx context.Context, q queryRower, key string) (payment.Attempt, bool, error) {
	var r store.AttemptRow
	err := q.QueryRowContext(ctx, `SELECT `+store.SandboxColumns+` FROM sandbox_payments WHERE idempotency_key = ?`, key).Scan(r.Dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return payment.Attempt{}, false, nil
	}
	return r.Attempt(), err == nil, err
}

// Refunding runs fn in a write transaction: SQLite's one writer is the
// lock that keeps two refunds of a charge apart.
func (l sandboxLedger) Refunding(ctx context.Context, chargeID string, fn func(payment.RefundTx) error) error {
	return l.s.inTx(ctx, func(tx *tx) error {
		var r store.AttemptRow
		err := tx.QueryRowContext(ctx, `SELECT `+store.SandboxColumns+` FROM sandbox_payments WHERE charge_id = ?`, chargeID).Scan(r.Dest()...)
		rt := &sandboxRefundTx{tx: tx, chargeID: chargeID}
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			rt.charge, rt.found = *r.Attempt().Charge, true
		}
		return fn(rt)
	})
}

func (l sandboxLedger) Charges(ctx context.Context) ([]payment.Charge, error) {
	rows, err := l.s.r.QueryContext(ctx, `SELECT `+store.SandboxColumns+` FROM sandbox_payments WHERE charge_id IS NOT NULL ORDER BY rowid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []payment.Charge
	for rows.Next() {
		var r store.AttemptRow
		if err := rows.Scan(r.Dest()...); err != nil {
			return nil, err
		}
		out = append(out, *r.Attempt().Charge)
	}
	return out, rows.Err()
}

func (l sandboxLedger) Refunds(ctx context.Context) ([]payment.Refund, error) {
	rows, err := l.s.r.QueryContext(ctx, `SELECT id, charge_id, amount_cents, created_at FROM sandbox_refunds ORDER BY rowid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []payment.Refund
	for rows.Next() {
		var r store.RefundRow
		if err := rows.Scan(r.Dest()...); err != nil {
			return nil, err
		}
		out = append(out, r.Refund())
	}
	return out, rows.Err()
}

type sandboxRefundTx struct {
	tx       *tx
	chargeID string
	charge   payment.Charge
	found    bool
}

func (t *sandboxRefundTx) Charge() (payment.Charge, bool) { return t.charge, t.found }

func (t *sandboxRefundTx) RefundKey(ctx context.Context, key string) (payment.RefundKey, bool, error) {
	k := payment.RefundKey{Key: key}
	err := t.tx.QueryRowContext(ctx, `SELECT charge_id, requested_cents, refund_id FROM sandbox_refund_keys WHERE idempotency_key = ?`, key).
		Scan(&k.ChargeID, &k.RequestedCents, &k.RefundID)
	if errors.Is(err, sql.ErrNoRows) {
		return k, false, nil
	}
	return k, err == nil, err
}

func (t *sandboxRefundTx) Refund(ctx context.Context, id string) (payment.Refund, error) {
	var r store.RefundRow
	err := t.tx.QueryRowContext(ctx, `SELECT id, charge_id, amount_cents, created_at FROM sandbox_refunds WHERE id = ?`, id).Scan(r.Dest()...)
	return r.Refund(), err
}

func (t *sandboxRefundTx) LatestRefund(ctx context.Context) (payment.Refund, bool, error) {
	var r store.RefundRow
	err := t.tx.QueryRowContext(ctx, `SELECT id, charge_id, amount_cents, created_at FROM sandbox_refunds WHERE charge_id = ?
		ORDER BY rowid DESC LIMIT 1`, t.chargeID).Scan(r.Dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return payment.Refund{}, false, nil
	}
	return r.Refund(), err == nil, err
}

func (t *sandboxRefundTx) RecordRefund(ctx context.Context, k payment.RefundKey, r payment.Refund, isNew bool) error {
	if isNew {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO sandbox_refunds (id, charge_id, amount_cents, created_at) VALUES (?, ?, ?, ?)`,
			r.ID, r.ChargeID, r.AmountCents, store.Millis(r.Created)); err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(ctx, `UPDATE sandbox_payments SET refunded_cents = refunded_cents + ? WHERE charge_id = ?`,
			r.AmountCents, r.ChargeID); err != nil {
			return err
		}
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO sandbox_refund_keys (idempotency_key, charge_id, requested_cents, refund_id) VALUES (?, ?, ?, ?)`,
		k.Key, k.ChargeID, k.RequestedCents, k.RefundID)
	return err
}
