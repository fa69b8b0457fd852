package stripetest

import (
	"maps"
	"net/url"
	"slices"
	"time"
)

// The ledger: what the server did, for tests to assert on. Every method
// returns copies taken under the lock, so a test may inspect while clients
// are still making requests.

// Charge is a PaymentIntent the server created, whatever its outcome: a
// decline is a Charge too (Stripe creates the PaymentIntent anyway), with
// Status requires_payment_method. Only Status "succeeded" took money.
type Charge struct {
	ID             string // the PaymentIntent id, "pi_..."
	OrderID        string // metadata["order_id"], what the adapter searches by
	IdempotencyKey string // the Idempotency-Key it was created with, "" if none
	PaymentMethod  string // e.g. "pm_card_visa"
	Amount         int64  // in the currency's smallest unit, as Stripe counts
	Currency       string // lower case, as Stripe has it ("eur")
	Status         string // "succeeded", "requires_payment_method" or "requires_action"
	ChargeID       string // the latest charge, "ch_..."; "" when none was attempted
	Refunded       int64  // the sum of its refunds
	Description    string
	Metadata       map[string]string
	Created        time.Time // to the second, as in Stripe's "created"
}

// Succeeded reports whether the charge took money.
func (c Charge) Succeeded() bool { return c.Status == "succeeded" }

// Refund is a refund the server made.
type Refund struct {
	ID             string // "re_..."
	PaymentIntent  string // the refunded PaymentIntent, "pi_..."
	ChargeID       string // its charge, "ch_..."
	IdempotencyKey string // the Idempotency-Key it was made with, "" if none
	Amount         int64
	Currency       string
	Status         string // always "succeeded"
	Reason         string // "", "duplicate", "fraudulent" or "requested_by_customer"
	Metadata       map[string]string
	Created        time.Time
}

// Request is one request as the server saw it, failed or not, in arrival
// order. Form holds the query and body parameters.
type Request struct {
	Method, Path   string
	IdempotencyKey string
	Form           url.Values
	Replayed       bool // answered from the idempotency store
}

// Charges returns every PaymentIntent created so far, in creation order.
func (s *Server) Charges() []Charge {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Charge, len(s.order))
	for i, pi := range s.order {
		out[i] = Charge{ID: pi.ID, OrderID: pi.Metadata["order_id"], IdempotencyKey: pi.Key, PaymentMethod: pi.PM,
			Amount: pi.Amount, Currency: pi.Currency, Status: pi.Status, ChargeID: pi.ChargeID, Refunded: pi.Refunded,
			Description: pi.Description, Metadata: maps.Clone(pi.Metadata), Created: time.Unix(pi.Created, 0)}
	}
	return out
}

// SucceededForOrder counts the succeeded PaymentIntents whose metadata
// order_id is orderID: the number of times the order was charged, which
// must never exceed one.
func (s *Server) SucceededForOrder(orderID string) int {
	return s.countSucceeded(func(pi *intent) bool { return pi.Metadata["order_id"] == orderID })
}

// SucceededForKey counts the succeeded PaymentIntents created with
// Idempotency-Key key. Stripe's rules make it at most one; more would mean
// the client changed keys between retries.
func (s *Server) SucceededForKey(key string) int {
	return s.countSucceeded(func(pi *intent) bool { return pi.Key == key })
}

func (s *Server) countSucceeded(match func(*intent) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, pi := range s.order {
		if pi.Status == "succeeded" && match(pi) {
			n++
		}
	}
	return n
}

// OverchargedOrders returns, sorted, the order ids (metadata order_id) with
// more than one succeeded PaymentIntent, so an end-to-end test can assert
// "charged at most once" for every order at the end of a run.
func (s *Server) OverchargedOrders() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := map[string]int{}
	for _, pi := range s.order {
		if pi.Status == "succeeded" {
			n[pi.Metadata["order_id"]]++
		}
	}
	var out []string
	for id, c := range n {
		if c > 1 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Refunds returns every refund made so far, in creation order.
func (s *Server) Refunds() []Refund {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Refund, len(s.refunds))
	for i, rf := range s.refunds {
		out[i] = Refund{ID: rf.ID, PaymentIntent: rf.Intent, ChargeID: rf.ChargeID, IdempotencyKey: rf.Key,
			Amount: rf.Amount, Currency: rf.Currency, Status: rf.Status, Reason: rf.Reason,
			Metadata: maps.Clone(rf.Metadata), Created: time.Unix(rf.Created, 0)}
	}
	return out
}

// RefundedFor returns how many refunds of the PaymentIntent intentID were
// made and their total amount, to assert "refunded exactly once, in full".
func (s *Server) RefundedFor(intentID string) (refunds int, amount int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rf := range s.refunds {
		if rf.Intent == intentID {
			refunds++
			amount += rf.Amount
		}
	}
	return refunds, amount
}

// Requests returns the requests seen so far with the given method and path
// (e.g. "POST", "/v1/payment_intents"); an empty method or path matches any.
func (s *Server) Requests(method, path string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.log {
		if (method == "" || r.Method == method) && (path == "" || r.Path == path) {
			r.Form = cloneValues(r.Form)
			out = append(out, r)
		}
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}
