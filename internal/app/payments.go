package app

import (
	"fmt"

	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/payment"
	"github.com/boxoffice/boxoffice/internal/payment/stripe"
)

// newProvider builds the payment provider --payments names. The sandbox
// ("fake") keeps its ledger in the store, so all instances on one database
// share it and it survives restarts, as a real provider's records do.
func newProvider(cfg config.Config, o Options, st Engine) (payment.Provider, error) {
	switch cfg.Payments {
	case "stripe":
		p, err := stripe.New(stripe.Options{SecretKey: cfg.StripeSecretKey, APIURL: cfg.StripeAPIURL, Timeout: cfg.PaymentTimeout})
		if err != nil {
			return nil, fmt.Errorf("--payments stripe: %w", err)
		}
		o.Log.Info("payments: stripe", "stripe", p)
		if cfg.ReconcileGrace < stripe.DefaultSearchLag {
			// Reconciliation would look for a charge Stripe's search cannot
			// show yet, and fail an order that was paid.
			o.Log.Warn("--reconcile-grace is shorter than Stripe's search lag; use 2m or more in production",
				"reconcile_grace", cfg.ReconcileGrace, "search_lag", stripe.DefaultSearchLag)
		}
		return p, nil
	default:
		return payment.NewFake(payment.FakeOptions{Now: o.Clock.Now, Latency: cfg.PaymentLatency, Ledger: st.PaymentLedger()}), nil
	}
}
