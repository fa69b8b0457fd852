package payment

import (
	"context"
	"sync"
)

// MemoryLedger is a Ledger in one process's memory: enough for unit tests
// and for a provider that only one process uses, lost when it stops.
type MemoryLedger struct {
	mu         sync.Mutex
	attempts   map[string]Attempt
	charges    []Charge // in creation order
	chargeAt   map[string]int
	refunds    []Refund
	refundAt   map[string]int
	refundKeys map[string]RefundKey
}

var _ Ledger = (*MemoryLedger)(nil)

// NewMemoryLedger returns an empty ledger.
func NewMemoryLedger() *MemoryLedger {
	return &MemoryLedger{attempts: map[string]Attempt{}, chargeAt: map[string]int{}, refundAt: map[string]int{},
		refundKeys: map[string]RefundKey{}}
}

// RecordAttempt implements Ledger.
func (l *MemoryLedger) RecordAttempt(_ context.Context, a Attempt) (Attempt, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if got, ok := l.attempts[a.Key]; ok {
		return l.current(got), false, nil
	}
	if a.Charge != nil {
		l.chargeAt[a.Charge.ID] = len(l.charges)
		l.charges = append(l.charges, *a.Charge)
	}
	l.attempts[a.Key] = a
	return l.current(a), true, nil
}

// current returns a with its charge as it is now (refunds grow it).
func (l *MemoryLedger) current(a Attempt) Attempt {
	if a.Charge != nil {
		c := l.charges[l.chargeAt[a.Charge.ID]]
		a.Charge = &c
	}
	return a
}

// Attempt implements Ledger.
func (l *MemoryLedger) Attempt(_ context.Context, key string) (Attempt, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.attempts[key]
	if !ok {
		return Attempt{}, false, nil
	}
	return l.current(a), true, nil
}

// Refunding implements Ledger: the whole ledger is locked while fn runs,
// and fn's writes are applied only when it succeeds.
func (l *MemoryLedger) Refunding(ctx context.Context, chargeID string, fn func(RefundTx) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	tx := &memRefundTx{l: l, chargeID: chargeID}
	if err := fn(tx); err != nil {
		return err
	}
	for _, w := range tx.writes {
		w()
	}
	return nil
}

// Charges implements Ledger.
func (l *MemoryLedger) Charges(context.Context) ([]Charge, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Charge(nil), l.charges...), nil
}

// Refunds implements Ledger.
func (l *MemoryLedger) Refunds(context.Context) ([]Refund, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Refund(nil), l.refunds...), nil
}

// memRefundTx runs under l.mu and queues its writes until fn succeeds.
type memRefundTx struct {
	l        *MemoryLedger
	chargeID string
	writes   []func()
}

func (t *memRefundTx) Charge() (Charge, bool) {
	i, ok := t.l.chargeAt[t.chargeID]
	if !ok {
		return Charge{}, false
	}
	return t.l.charges[i], true
}

func (t *memRefundTx) RefundKey(_ context.Context, key string) (RefundKey, bool, error) {
	k, ok := t.l.refundKeys[key]
	return k, ok, nil
}

func (t *memRefundTx) Refund(_ context.Context, id string) (Refund, error) {
	return t.l.refunds[t.l.refundAt[id]], nil
}

func (t *memRefundTx) LatestRefund(context.Context) (Refund, bool, error) {
	for i := len(t.l.refunds) - 1; i >= 0; i-- {
		if t.l.refunds[i].ChargeID == t.chargeID {
			return t.l.refunds[i], true, nil
		}
	}
	return Refund{}, false, nil
}

func (t *memRefundTx) RecordRefund(_ context.Context, k RefundKey, r Refund, isNew bool) error {
	t.writes = append(t.writes, func() {
		t.l.refundKeys[k.Key] = k
		if isNew {
			t.l.refundAt[r.ID] = len(t.l.refunds)
			t.l.refunds = append(t.l.refunds, r)
			t.l.charges[t.l.chargeAt[r.ChargeID]].RefundedCents += r.AmountCents
		}
	})
	return nil
}
