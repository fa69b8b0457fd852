package payment

import "context"

// Ledger is where the sandbox provider (Fake) keeps what a real provider
// keeps on its own servers: every idempotency key it has answered, with its
// outcome, every charge and every refund. A real provider is one service
// that every Boxoffice instance talks to, so the sandbox's ledger must be
// one too: the store engines implement Ledger in tables of their own in the
// shared database (sandbox_*), which no other part of Boxoffice reads or
// writes. An order paid through one instance is then refunded through
// another, and an idempotent replay landing on a third finds the first
// charge. NewMemoryLedger is the in-process ledger of unit tests.
//
// The rules (idempotency, declines, what a refund may take) live in Fake;
// a Ledger only stores, atomically.
type Ledger interface {
	// RecordAttempt stores a under a.Key unless that key is already
	// recorded. It returns the attempt recorded under the key, which is a
	// itself when stored is true. Two instances recording the same key at
	// once get the same answer: one of them stored it.
	RecordAttempt(ctx context.Context, a Attempt) (recorded Attempt, stored bool, err error)
	// Attempt returns the attempt recorded under key, ok false when none.
	Attempt(ctx context.Context, key string) (a Attempt, ok bool, err error)
	// Refunding runs fn in one transaction in which the charge is locked
	// against other refunds, on any instance, until fn returns. fn's
	// RecordRefund writes are kept only if fn returns nil.
	Refunding(ctx context.Context, chargeID string, fn func(RefundTx) error) error
	// Charges lists the successful charges, oldest first (for tests and
	// the sandbox's own checks).
	Charges(ctx context.Context) ([]Charge, error)
	// Refunds lists the refunds, oldest first.
	Refunds(ctx context.Context) ([]Refund, error)
}

// Attempt is what the provider remembers about one charge idempotency key:
// the parameters it was first used with and what it answered. Charge is
// nil when the attempt was declined (DeclineCode and DeclineMessage say
// how).
type Attempt struct {
	Key            string
	AmountCents    int64
	Currency       string
	Token          string
	Charge         *Charge
	DeclineCode    string
	DeclineMessage string
}

// RefundKey is what the provider remembers about one refund idempotency
// key: the charge and amount asked for (0 = in full) and the refund given.
type RefundKey struct {
	Key            string
	ChargeID       string
	RequestedCents int64
	RefundID       string
}

// RefundTx is the view of the ledger inside Refunding.
type RefundTx interface {
	// Charge is the charge being refunded, as locked; ok false when there
	// is no such charge.
	Charge() (c Charge, ok bool)
	// RefundKey returns what the refund key was first used for.
	RefundKey(ctx context.Context, key string) (k RefundKey, ok bool, err error)
	// Refund returns a refund by id.
	Refund(ctx context.Context, id string) (Refund, error)
	// LatestRefund returns the charge's newest refund, ok false when none.
	LatestRefund(ctx context.Context) (r Refund, ok bool, err error)
	// RecordRefund stores the key; when r is a new refund (r.ID not yet
	// stored) it stores r too and adds r.AmountCents to the charge's
	// refunded amount.
	RecordRefund(ctx context.Context, k RefundKey, r Refund, isNew bool) error
}
