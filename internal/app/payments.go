package app

import (
	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/payment"
)

// newProvider builds the payment provider --payments names. The sandbox
// ("fake") keeps its ledger in the store, so all instances on one database
// share it and it survives restarts, as a real provider's records do.
func newProvider(cfg config.Config, o Options, st Engine) (payment.Provider, error) {
	return payment.NewFake(payment.FakeOptions{Now: o.Clock.Now, Latency: cfg.PaymentLatency, Ledger: st.PaymentLedger()}), nil
}
