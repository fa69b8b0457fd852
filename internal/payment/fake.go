package payment

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// FakeOptions configures a Fake. The zero value is a fast, healthy provider.
type FakeOptions struct {
	// Now is the provider's clock for Created times; time.Now when nil.
	Now func() time.Time
	// Latency is the simulated network time of every call. It is waited for on
	// the wall clock (it models the network, not business time) and a cancelled
	// ctx cuts it short with apperr.Unavailable, before anything is charged.
	Latency time.Duration
}

// Fake is an in-memory Provider that behaves like a real provider in test
// mode: test tokens and card numbers (see the package's cards.go and
// shared/api.md), idempotent charges and refunds, and failure injection for
// what a real network does (OutageNext, LoseResponseNext). It is safe for
// concurrent use and keeps counters that tests use to prove invariant 4.
type Fake struct {
	now     func() time.Time
	latency time.Duration

	mu          sync.Mutex
	outages     int // Charge calls still to fail before reaching the provider
	lost        int // Charge calls still to lose their response
	calls       int
	attempts    map[string]*attempt // by charge idempotency key
	charges     []Charge            // successful charges, in creation order
	chargeIndex map[string]int      // charge id → index in charges
	refunds     []Refund
	refundKeys  map[string]refundKey // by refund idempotency key
	lastRefund  map[string]int       // charge id → index in refunds of its latest refund
}

// attempt is what the provider remembers about an idempotency key: the
// parameters it was first used with and the result it gave.
type attempt struct {
	amount   int64
	currency string
	token    string
	charge   int           // index in charges, -1 when declined
	decline  *apperr.Error // the decline, when charge is -1
}

type refundKey struct {
	chargeID string
	amount   int64
	refund   int // index in refunds
}

var _ Provider = (*Fake)(nil)

// NewFake returns a healthy fake provider.
func NewFake(opts FakeOptions) *Fake {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Fake{
		now:         now,
		latency:     opts.Latency,
		attempts:    make(map[string]*attempt),
		chargeIndex: make(map[string]int),
		refundKeys:  make(map[string]refundKey),
		lastRefund:  make(map[string]int),
	}
}

// Name is "fake", the provider name api.md shows in an order's payment.
func (f *Fake) Name() string { return "fake" }

// OutageNext makes the next n Charge calls fail as if the provider were down:
// apperr.Unavailable, nothing charged, nothing remembered under the key, not
// counted by Calls. A retry with the same key may then succeed.
func (f *Fake) OutageNext(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.outages = max(n, 0)
}

// LoseResponseNext makes the next n Charge calls that reach the provider have
// their answer lost on the way back: the provider does its work (a charge is
// recorded, a decline remembered) but the caller gets apperr.Unavailable, as
// after a timeout. This is the case reconciliation must finish via Lookup.
func (f *Fake) LoseResponseNext(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lost = max(n, 0)
}

// Calls counts the Charge calls that reached the provider: every call except
// those cut short by ctx or failed by OutageNext. Idempotent replays, declines
// and invalid requests count; they are still requests the provider answered.
func (f *Fake) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// Charges returns a copy of the successful charges, oldest first, with their
// current RefundedCents. Each idempotency key appears at most once.
func (f *Fake) Charges() []Charge {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Charge(nil), f.charges...)
}

// ChargeCount is the number of successful charges made with idempotencyKey:
// 0 or 1, and a test that ever sees 2 has broken invariant 4.
func (f *Fake) ChargeCount(idempotencyKey string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.charges {
		if c.IdempotencyKey == idempotencyKey {
			n++
		}
	}
	return n
}

// Refunds returns a copy of the refunds made, oldest first.
func (f *Fake) Refunds() []Refund {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Refund(nil), f.refunds...)
}

// Charge implements Provider.
func (f *Fake) Charge(ctx context.Context, req ChargeRequest) (Charge, error) {
	if err := f.network(ctx); err != nil {
		return Charge{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.outages > 0 {
		f.outages--
		return Charge{}, apperr.Wrap(apperr.Unavailable, errInjectedOutage,
			"The payment provider is unavailable; nothing was charged.")
	}
	f.calls++
	ch, err := f.charge(req)
	if f.lost > 0 {
		f.lost--
		return Charge{}, apperr.Wrap(apperr.Unavailable, errInjectedLostResponse,
			"The payment provider did not answer in time; the charge may have gone through.")
	}
	return ch, err
}

var (
	errInjectedOutage       = errors.New("fake payment provider: injected outage")
	errInjectedLostResponse = errors.New("fake payment provider: injected lost response")
)

// charge does the provider's work for one request; f.mu is held.
func (f *Fake) charge(req ChargeRequest) (Charge, error) {
	if err := req.Validate(); err != nil {
		return Charge{}, err
	}
	token := normalizeToken(req.Token)
	if a, ok := f.attempts[req.IdempotencyKey]; ok {
		if a.amount != req.AmountCents || a.currency != req.Currency || a.token != token {
			return Charge{}, apperr.E(apperr.Invalid,
				"idempotency key %q was already used with different charge parameters", req.IdempotencyKey)
		}
		if a.charge < 0 {
			d := *a.decline // a copy, so no caller can alter the remembered answer
			return Charge{}, &d
		}
		return f.charges[a.charge], nil
	}

	card, ok := lookupCard(token)
	if !ok {
		var fe apperr.Fields
		fe.Add("payment_token", "unknown payment token")
		return Charge{}, fe.Err()
	}
	if card.processingError {
		// Nothing is charged or remembered, so a retry with the same key may succeed.
		return Charge{}, apperr.E(apperr.Unavailable, msgProcessingError)
	}
	a := &attempt{amount: req.AmountCents, currency: req.Currency, token: token, charge: -1}
	f.attempts[req.IdempotencyKey] = a
	if card.declineMsg != "" {
		a.decline = apperr.Wrap(apperr.PaymentDeclined,
			errors.New("card_declined: decline_code "+card.declineCode), "%s", card.declineMsg)
		d := *a.decline
		return Charge{}, &d
	}
	ch := Charge{
		ID:             "ch_" + randomHex(),
		IdempotencyKey: req.IdempotencyKey,
		AmountCents:    req.AmountCents,
		Currency:       req.Currency,
		Status:         StatusSucceeded,
		CardBrand:      card.brand,
		Last4:          card.last4,
		Created:        f.now().UTC(),
	}
	a.charge = len(f.charges)
	f.charges = append(f.charges, ch)
	f.chargeIndex[ch.ID] = a.charge
	return ch, nil
}

// Refund implements Provider. AmountCents 0 refunds what is left; more than
// what is left is apperr.Invalid. A charge that is already fully refunded
// answers any refund with its latest refund, so a second "refund in full" is
// harmless.
func (f *Fake) Refund(ctx context.Context, req RefundRequest) (Refund, error) {
	if err := f.network(ctx); err != nil {
		return Refund{}, err
	}
	if err := req.Validate(); err != nil {
		return Refund{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if k, ok := f.refundKeys[req.IdempotencyKey]; ok {
		if k.chargeID != req.ChargeID || k.amount != req.AmountCents {
			return Refund{}, apperr.E(apperr.Invalid,
				"idempotency key %q was already used with different refund parameters", req.IdempotencyKey)
		}
		return f.refunds[k.refund], nil
	}
	i, ok := f.chargeIndex[req.ChargeID]
	if !ok {
		return Refund{}, apperr.E(apperr.NotFound, "no such charge %q", req.ChargeID)
	}
	ch := &f.charges[i]
	left := ch.AmountCents - ch.RefundedCents
	if left == 0 {
		r := f.lastRefund[ch.ID]
		f.refundKeys[req.IdempotencyKey] = refundKey{chargeID: req.ChargeID, amount: req.AmountCents, refund: r}
		return f.refunds[r], nil
	}
	amount := req.AmountCents
	if amount == 0 {
		amount = left
	}
	if amount > left {
		return Refund{}, apperr.E(apperr.Invalid,
			"refund of %d cents exceeds the %d cents not yet refunded", amount, left)
	}
	rf := Refund{
		ID:          "re_" + randomHex(),
		ChargeID:    ch.ID,
		AmountCents: amount,
		Status:      StatusSucceeded,
		Created:     f.now().UTC(),
	}
	ch.RefundedCents += amount
	f.refunds = append(f.refunds, rf)
	f.lastRefund[ch.ID] = len(f.refunds) - 1
	f.refundKeys[req.IdempotencyKey] = refundKey{chargeID: req.ChargeID, amount: req.AmountCents, refund: len(f.refunds) - 1}
	return rf, nil
}

// Lookup implements Provider. It reports a charge even when its response was
// lost (LoseResponseNext), which is the point of it.
func (f *Fake) Lookup(ctx context.Context, idempotencyKey string) (Charge, error) {
	if err := f.network(ctx); err != nil {
		return Charge{}, err
	}
	var fe apperr.Fields
	checkKey(&fe, idempotencyKey)
	if err := fe.Err(); err != nil {
		return Charge{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.attempts[idempotencyKey]
	if !ok || a.charge < 0 {
		return Charge{}, ErrNoCharge
	}
	return f.charges[a.charge], nil
}

// network simulates the trip to the provider: the configured latency, cut
// short by ctx. A call that fails here never reached the provider.
func (f *Fake) network(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return unreachable(err)
	}
	if f.latency <= 0 {
		return nil
	}
	t := time.NewTimer(f.latency)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return unreachable(ctx.Err())
	case <-t.C:
		return nil
	}
}

func unreachable(cause error) error {
	return apperr.Wrap(apperr.Unavailable, cause, "The payment provider could not be reached; nothing was charged.")
}

// randomHex returns 96 random bits in hex: provider ids are unguessable.
func randomHex() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
