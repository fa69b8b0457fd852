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

// FakeOptions configures a Fake. The zero value is a fast, healthy provider
// with an in-memory ledger.
type FakeOptions struct {
	// Now is the provider's clock for Created times; time.Now when nil.
	Now func() time.Time
	// Latency is the simulated network time of every call. It is waited for on
	// the wall clock (it models the network, not business time) and a cancelled
	// ctx cuts it short with apperr.Unavailable, before anything is charged.
	Latency time.Duration
	// Ledger is where the provider keeps its charges and keys; a new
	// MemoryLedger when nil. Instances that share a database share its
	// ledger, and so see one provider, as with a real one.
	Ledger Ledger
}

// Fake is the sandbox Provider: it behaves like a real provider in test
// mode (test tokens and card numbers, see cards.go and shared/api.md;
// idempotent charges and refunds) and keeps its books in a Ledger. Failure
// injection for what a real network does (OutageNext, LoseResponseNext) is
// per Fake, that is per process: it models this instance's network. It is
// safe for concurrent use and keeps counters that tests use to prove
// invariant 4.
type Fake struct {
	now     func() time.Time
	latency time.Duration
	ledger  Ledger

	mu      sync.Mutex
	outages int // Charge calls still to fail before reaching the provider
	lost    int // Charge calls still to lose their response
	calls   int
}

var _ Provider = (*Fake)(nil)

// NewFake returns a healthy fake provider.
func NewFake(opts FakeOptions) *Fake {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	l := opts.Ledger
	if l == nil {
		l = NewMemoryLedger()
	}
	return &Fake{now: now, latency: opts.Latency, ledger: l}
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

// Calls counts the Charge calls that reached the provider from this Fake:
// every call except those cut short by ctx or failed by OutageNext.
// Idempotent replays, declines and invalid requests count; they are still
// requests the provider answered.
func (f *Fake) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// Charges returns the ledger's successful charges, oldest first, with their
// current RefundedCents. Each idempotency key appears at most once. It is
// for tests: a ledger that cannot be read gives nil.
func (f *Fake) Charges() []Charge {
	cs, _ := f.ledger.Charges(context.Background())
	return cs
}

// ChargeCount is the number of successful charges made with idempotencyKey:
// 0 or 1, and a test that ever sees 2 has broken invariant 4.
func (f *Fake) ChargeCount(idempotencyKey string) int {
	n := 0
	for _, c := range f.Charges() {
		if c.IdempotencyKey == idempotencyKey {
			n++
		}
	}
	return n
}

// Refunds returns the ledger's refunds, oldest first (for tests).
func (f *Fake) Refunds() []Refund {
	rs, _ := f.ledger.Refunds(context.Background())
	return rs
}

// Charge implements Provider.
func (f *Fake) Charge(ctx context.Context, req ChargeRequest) (Charge, error) {
	if err := f.network(ctx); err != nil {
		return Charge{}, err
	}
	f.mu.Lock()
	if f.outages > 0 {
		f.outages--
		f.mu.Unlock()
		return Charge{}, apperr.Wrap(apperr.Unavailable, errInjectedOutage,
			"The payment provider is unavailable; nothing was charged.")
	}
	f.calls++
	lose := f.lost > 0
	if lose {
		f.lost--
	}
	f.mu.Unlock()
	ch, err := f.charge(ctx, req)
	if lose {
		return Charge{}, apperr.Wrap(apperr.Unavailable, errInjectedLostResponse,
			"The payment provider did not answer in time; the charge may have gone through.")
	}
	return ch, err
}

var (
	errInjectedOutage       = errors.New("fake payment provider: injected outage")
	errInjectedLostResponse = errors.New("fake payment provider: injected lost response")
)

// charge does the provider's work for one request.
func (f *Fake) charge(ctx context.Context, req ChargeRequest) (Charge, error) {
	if err := req.Validate(); err != nil {
		return Charge{}, err
	}
	token := normalizeToken(req.Token)
	prev, ok, err := f.ledger.Attempt(ctx, req.IdempotencyKey)
	if err != nil {
		return Charge{}, ledgerDown(err)
	}
	if ok {
		return answer(prev, req, token)
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
	a := Attempt{Key: req.IdempotencyKey, AmountCents: req.AmountCents, Currency: req.Currency, Token: token,
		DeclineCode: card.declineCode, DeclineMessage: card.declineMsg}
	if card.declineMsg == "" {
		a.Charge = &Charge{
			ID:             "ch_" + randomHex(),
			IdempotencyKey: req.IdempotencyKey,
			AmountCents:    req.AmountCents,
			Currency:       req.Currency,
			Status:         StatusSucceeded,
			CardBrand:      card.brand,
			Last4:          card.last4,
			Created:        f.now().UTC().Truncate(time.Millisecond),
		}
	}
	// Another instance may have recorded the key since we looked: then
	// its attempt is the answer, exactly as for a replay.
	got, _, err := f.ledger.RecordAttempt(ctx, a)
	if err != nil {
		return Charge{}, ledgerDown(err)
	}
	return answer(got, req, token)
}

// answer is what the provider says to req about the attempt recorded under
// its key: the first result, or an error when the key was used with other
// parameters.
func answer(a Attempt, req ChargeRequest, token string) (Charge, error) {
	if a.AmountCents != req.AmountCents || a.Currency != req.Currency || a.Token != token {
		return Charge{}, apperr.E(apperr.Invalid,
			"idempotency key %q was already used with different charge parameters", req.IdempotencyKey)
	}
	if a.Charge == nil {
		return Charge{}, apperr.Wrap(apperr.PaymentDeclined,
			errors.New("card_declined: decline_code "+a.DeclineCode), "%s", a.DeclineMessage)
	}
	return *a.Charge, nil
}

// ledgerDown is a ledger that cannot be reached: for a caller, the
// provider is down, and the outcome of a charge is unknown.
func ledgerDown(err error) error {
	return apperr.Wrap(apperr.Unavailable, err, "The payment provider is unavailable; the charge may or may not have gone through.")
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
	var out Refund
	err := f.ledger.Refunding(ctx, req.ChargeID, func(tx RefundTx) error {
		k, ok, err := tx.RefundKey(ctx, req.IdempotencyKey)
		if err != nil {
			return err
		}
		if ok {
			if k.ChargeID != req.ChargeID || k.RequestedCents != req.AmountCents {
				return apperr.E(apperr.Invalid,
					"idempotency key %q was already used with different refund parameters", req.IdempotencyKey)
			}
			out, err = tx.Refund(ctx, k.RefundID)
			return err
		}
		ch, ok := tx.Charge()
		if !ok {
			return apperr.E(apperr.NotFound, "no such charge %q", req.ChargeID)
		}
		key := RefundKey{Key: req.IdempotencyKey, ChargeID: req.ChargeID, RequestedCents: req.AmountCents}
		left := ch.AmountCents - ch.RefundedCents
		if left == 0 {
			last, ok, err := tx.LatestRefund(ctx)
			if err != nil || !ok {
				return errors.Join(err, errors.New("a fully refunded charge has no refund"))
			}
			out, key.RefundID = last, last.ID
			return tx.RecordRefund(ctx, key, last, false)
		}
		amount := req.AmountCents
		if amount == 0 {
			amount = left
		}
		if amount > left {
			return apperr.E(apperr.Invalid, "refund of %d cents exceeds the %d cents not yet refunded", amount, left)
		}
		out = Refund{ID: "re_" + randomHex(), ChargeID: ch.ID, AmountCents: amount, Status: StatusSucceeded,
			Created: f.now().UTC().Truncate(time.Millisecond)}
		key.RefundID = out.ID
		return tx.RecordRefund(ctx, key, out, true)
	})
	if err != nil {
		if _, ok := errors.AsType[*apperr.Error](err); ok {
			return Refund{}, err
		}
		return Refund{}, ledgerDown(err)
	}
	return out, nil
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
	a, ok, err := f.ledger.Attempt(ctx, idempotencyKey)
	if err != nil {
		return Charge{}, ledgerDown(err)
	}
	if !ok || a.Charge == nil {
		return Charge{}, ErrNoCharge
	}
	return *a.Charge, nil
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
