package stripe

import (
	"context"
	"errors"
	"strings"

	stripego "github.com/stripe/stripe-go/v82"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/payment"
)

// maxKeyLen is the longest idempotency key, the same as payment's and Stripe's.
const maxKeyLen = 255

// searchPageSize is the page size of Lookup's search. One key has one
// PaymentIntent while Stripe remembers the key; more than one page means
// something else writes our metadata, and the iterator pages on anyway.
const searchPageSize = 10

// errSearchLag is the cause of Lookup's "cannot tell yet".
var errSearchLag = errors.New("stripe: the search found no charge, but the charge with this key ended uncertain too recently for the search to be trusted")

// Lookup implements payment.Provider with Stripe's PaymentIntent search:
// metadata['order_id'] equal to key. A succeeded PaymentIntent is the charge
// (the oldest, should there ever be two); one still processing is
// apperr.Unavailable, as it may yet succeed; none is payment.ErrNoCharge.
// (Stripe offers no search to accounts in India; Lookup fails there.)
//
// Stripe's search is eventually consistent: a PaymentIntent normally becomes
// searchable within a minute. The reconcile job therefore only looks at
// orders pending for over a minute, and for a key whose Charge in this
// process ended uncertain less than Options.SearchLag ago, an empty search is
// apperr.Unavailable ("cannot tell yet") rather than ErrNoCharge: checkout
// then leaves the order pending instead of failing an order that was paid.
func (p *Provider) Lookup(ctx context.Context, key string) (payment.Charge, error) {
	if err := validateKey(key); err != nil {
		return payment.Charge{}, err
	}
	if err := ctx.Err(); err != nil {
		return payment.Charge{}, apperr.Wrap(apperr.Unavailable, err, "%s", msgLookupFailed)
	}
	params := &stripego.PaymentIntentSearchParams{}
	params.Query = searchQuery(key)
	params.Limit = stripego.Int64(searchPageSize)
	params.AddExpand("data.latest_charge")
	var found, processing *stripego.PaymentIntent
	for pi, err := range p.client.V1PaymentIntents.Search(ctx, params) {
		if err != nil {
			return payment.Charge{}, p.mapError(opLookup, err)
		}
		// The query is exact, but checking again costs nothing and keeps a
		// quoting mistake from ever returning another order's charge.
		if pi.Metadata[metaOrderID] != key {
			continue
		}
		switch pi.Status {
		case stripego.PaymentIntentStatusSucceeded:
			if found == nil || pi.Created < found.Created {
				found = pi
			}
		case stripego.PaymentIntentStatusProcessing:
			processing = pi
		}
	}
	switch {
	case found != nil:
		p.settle(key)
		return chargeFromIntent(found, key), nil
	case processing != nil: // may still succeed: "no charge" would be premature
		return payment.Charge{}, apperr.Wrap(apperr.Unavailable,
			&stripeCause{text: "stripe: PaymentIntent " + processing.ID + " is processing"}, "%s", msgStillProcessing)
	case p.recentlyUncertain(key):
		return payment.Charge{}, apperr.Wrap(apperr.Unavailable, errSearchLag, "%s", msgCannotTellYet)
	}
	return payment.Charge{}, payment.ErrNoCharge
}

// searchQuery is the Stripe search query for PaymentIntents whose order_id
// metadata is key. Inside a quoted value Stripe's query language escapes a
// quote with a backslash; the backslash itself is escaped too.
func searchQuery(key string) string {
	v := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(key)
	return "metadata['" + metaOrderID + "']:'" + v + "'"
}

// validateKey checks an idempotency key like the payment package does (1 to
// 255 printable ASCII characters), and also refuses a leading or trailing
// space, which stripe-go trims from the Idempotency-Key header: " a" and "a"
// would be one key at Stripe but two orders here.
func validateKey(key string) error {
	var f apperr.Fields
	switch {
	case key == "" || len(key) > maxKeyLen:
		f.Add("idempotency_key", "must be 1 to %d characters", maxKeyLen)
	case strings.IndexFunc(key, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0:
		f.Add("idempotency_key", "must be printable ASCII")
	case key[0] == ' ' || key[len(key)-1] == ' ':
		f.Add("idempotency_key", "must not begin or end with a space")
	}
	return f.Err()
}
