package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/internal/payment"
	"github.com/boxoffice/boxoffice/internal/store"
)

// PaymentLedger is the payment sandbox's ledger in the shared database's
// sandbox_* tables: every instance on this database sees one provider.
func (s *Store) PaymentLedger() payment.Ledger { return sandboxLedger{s} }

type sandboxLedger struct{ s *Store }

var _ payment.Ledger = sandboxLedger{}

// RecordAttempt inserts the attempt unless its key is there; the primary
// key decides between instances recording one key at once, and the loser
// reads the winner's row.
func (l sandboxLedger) RecordAttempt(ctx context.Context, a payment.Attempt) (payment.Attempt, bool, error) {
	tag, err := l.s.pool.Exec(ctx, `INSERT INTO sandbox_payments (`+store.SandboxColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (idempotency_key) DO NOTHING`, store.AttemptArgs(a)...)
	if err != nil {
		return payment.Attempt{}, false, err
	}
	if tag.RowsAffected() == 1 {
		return a, true, nil
	}
	got, _, err := l.Attempt(ctx, a.Key)
	return got, false, err
}

func (l sandboxLedger) Attempt(ctx context.Context, key string) (payment.Attempt, bool, error) {
	var r store.AttemptRow
	err := l.s.pool.QueryRow(ctx, `SELECT `+store.SandboxColumns+` FROM sandbox_payments WHERE idempotency_key = $1`, key).Scan(r.Dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return payment.Attempt{}, false, nil
	}
	return r.Attempt(), err == nil, err
}

// Refunding locks the charge's row FOR UPDATE, so refunds of one charge
// from any instance run one after the other.
func (l sandboxLedger) Refunding(ctx context.Context, chargeID string, fn func(payment.RefundTx) error) error {
	return l.s.inTx(ctx, func(tx pgx.Tx) error {
		var r store.AttemptRow
		err := tx.QueryRow(ctx, `SELECT `+store.SandboxColumns+` FROM sandbox_payments WHERE charge_id = $1 FOR UPDATE`, chargeID).Scan(r.Dest()...)
		rt := &sandboxRefundTx{tx: tx, chargeID: chargeID}
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return err
		default:
			rt.charge, rt.found = *r.Attempt().Charge, true
		}
		return fn(rt)
	})
}

func (l sandboxLedger) Charges(ctx context.Context) ([]payment.Charge, error) {
	rows, err := l.s.pool.Query(ctx, `SELECT `+store.SandboxColumns+` FROM sandbox_payments WHERE charge_id IS NOT NULL ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (payment.Charge, error) {
		var r store.AttemptRow
		err := row.Scan(r.Dest()...)
		return *r.Attempt().Charge, err
	})
}

func (l sandboxLedger) Refunds(ctx context.Context) ([]payment.Refund, error) {
	rows, err := l.s.pool.Query(ctx, `SELECT id, charge_id, amount_cents, created_at FROM sandbox_refunds ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (payment.Refund, error) {
		var r store.RefundRow
		err := row.Scan(r.Dest()...)
		return r.Refund(), err
	})
}

type sandboxRefundTx struct {
	tx       pgx.Tx
	chargeID string
	charge   payment.Charge
	found    bool
}

func (t *sandboxRefundTx) Charge() (payment.Charge, bool) { return t.charge, t.found }

func (t *sandboxRefundTx) RefundKey(ctx context.Context, key string) (payment.RefundKey, bool, error) {
	k := payment.RefundKey{Key: key}
	err := t.tx.QueryRow(ctx, `SELECT charge_id, requested_cents, refund_id FROM sandbox_refund_keys WHERE idempotency_key = $1`, key).
		Scan(&k.ChargeID, &k.RequestedCents, &k.RefundID)
	if errors.Is(err, pgx.ErrNoRows) {
		return k, false, nil
	}
	return k, err == nil, err
}

func (t *sandboxRefundTx) Refund(ctx context.Context, id string) (payment.Refund, error) {
	var r store.RefundRow
	err := t.tx.QueryRow(ctx, `SELECT id, charge_id, amount_cents, created_at FROM sandbox_refunds WHERE id = $1`, id).Scan(r.Dest()...)
	return r.Refund(), err
}

func (t *sandboxRefundTx) LatestRefund(ctx context.Context) (payment.Refund, bool, error) {
	var r store.RefundRow
	err := t.tx.QueryRow(ctx, `SELECT id, charge_id, amount_cents, created_at FROM sandbox_refunds WHERE charge_id = $1
		ORDER BY seq DESC LIMIT 1`, t.chargeID).Scan(r.Dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return payment.Refund{}, false, nil
	}
	return r.Refund(), err == nil, err
}

// RecordRefund writes the key last: a refund key used at once for two
// different charges (each under its own charge's lock) is refused by the
// primary key, and that refund is rolled back whole.
func (t *sandboxRefundTx) RecordRefund(ctx context.Context, k payment.RefundKey, r payment.Refund, isNew bool) error {
	if isNew {
		if _, err := t.tx.Exec(ctx, `INSERT INTO sandbox_refunds (id, charge_id, amount_cents, created_at) VALUES ($1, $2, $3, $4)`,
			r.ID, r.ChargeID, r.AmountCents, store.Millis(r.Created)); err != nil {
			return err
		}
		if _, err := t.tx.Exec(ctx, `UPDATE sandbox_payments SET refunded_cents = refunded_cents + $1 WHERE charge_id = $2`,
			r.AmountCents, r.ChargeID); err != nil {
			return err
		}
	}
	_, err := t.tx.Exec(ctx, `INSERT INTO sandbox_refund_keys (idempotency_key, charge_id, requested_cents, refund_id) VALUES ($1, $2, $3, $4)`,
		k.Key, k.ChargeID, k.RequestedCents, k.RefundID)
	return err
}
