package stripetest

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The endpoints. Each runs with s.mu held and answers a status and a JSON
// body shaped like Stripe's (object "payment_intent", "refund",
// "search_result", "list"; errors as {"error": {type, code, decline_code,
// message, param}}).

// intent is a PaymentIntent as the server keeps it.
type intent struct {
	ID, Key, PM, Currency, Status, Description, ChargeID, Brand, Last4 string
	Amount, Refunded, Created                                          int64
	Metadata                                                           map[string]string
	searchableAt                                                       time.Time
}

// refund is a Refund as the server keeps it.
type refund struct {
	ID, Key, Intent, ChargeID, Status, Reason, Currency string
	Amount, Created                                     int64
	Metadata                                            map[string]string
}

// card is how a Stripe test PaymentMethod behaves.
type card struct {
	brand, last4, code, decline, msg string
	action                           bool // needs 3-D Secure
}

// cards are the test PaymentMethods the server knows; others are a 400
// resource_missing, as Stripe answers for an unknown PaymentMethod.
var cards = map[string]card{
	"pm_card_visa":                            {brand: "visa", last4: "4242"},
	"pm_card_mastercard":                      {brand: "mastercard", last4: "4444"},
	"pm_card_amex":                            {brand: "amex", last4: "8431"},
	"pm_card_authenticationRequired":          {brand: "visa", last4: "3184", action: true},
	"pm_card_chargeDeclined":                  {code: "card_declined", decline: "generic_decline", msg: "Your card was declined."},
	"pm_card_chargeDeclinedInsufficientFunds": {code: "card_declined", decline: "insufficient_funds", msg: "Your card has insufficient funds."},
	"pm_card_chargeDeclinedExpiredCard":       {code: "expired_card", decline: "expired_card", msg: "Your card has expired."},
	"pm_card_chargeDeclinedIncorrectCvc":      {code: "incorrect_cvc", decline: "incorrect_cvc", msg: "Your card's security code is incorrect."},
	"pm_card_chargeDeclinedProcessingError": {code: "processing_error",
		msg: "An error occurred while processing your card. Try again in a little bit."},
}

// createIntent is POST /v1/payment_intents with confirm=true: the test
// PaymentMethod decides between a charge, a 402 card_error (Stripe creates
// the PaymentIntent anyway, left in requires_payment_method) and
// requires_action.
func (s *Server) createIntent(key string, form url.Values) (int, []byte) {
	if st, b, ok := checkParams(form, []string{"amount", "currency", "confirm", "payment_method",
		"payment_method_types[0]", "metadata[order_id]"}, "description", "expand[0]", "metadata["); !ok {
		return st, b
	}
	amount, err := strconv.ParseInt(form.Get("amount"), 10, 64)
	if err != nil || amount <= 0 {
		return 400, mustJSON(paramError("parameter_invalid_integer", "amount", "Invalid positive integer"))
	}
	if cur := form.Get("currency"); len(cur) != 3 || strings.ToLower(cur) != cur {
		return 400, mustJSON(paramError("", "currency", "Invalid currency: "+cur+"."))
	}
	if form.Get("confirm") != "true" || form.Get("payment_method_types[0]") != "card" {
		return 400, mustJSON(paramError("", "confirm", "This test server only confirms card PaymentIntents at once."))
	}
	pm := form.Get("payment_method")
	c, ok := cards[pm]
	if !ok {
		return 400, mustJSON(paramError("resource_missing", "payment_method", "No such PaymentMethod: '"+pm+"'"))
	}
	now := time.Now()
	pi := &intent{ID: s.newID("pi"), Key: key, PM: pm, Currency: form.Get("currency"), Amount: amount,
		Description: form.Get("description"), Metadata: metadata(form), Created: now.Unix(),
		searchableAt: now.Add(s.searchDelay)}
	s.intents[pi.ID] = pi
	s.order = append(s.order, pi)
	switch {
	case c.msg != "": // declined: a failed charge and a 402 that embeds the PaymentIntent
		pi.Status, pi.ChargeID = "requires_payment_method", s.newID("ch")
		e := stripeError("card_error", c.code, c.decline, c.msg)
		inner := e["error"].(map[string]any)
		inner["charge"] = pi.ChargeID
		inner["payment_intent"] = intentJSON(pi, false)
		return 402, mustJSON(e)
	case c.action:
		pi.Status = "requires_action"
	default:
		pi.Status, pi.ChargeID, pi.Brand, pi.Last4 = "succeeded", s.newID("ch"), c.brand, c.last4
	}
	return 200, mustJSON(intentJSON(pi, form.Get("expand[0]") == "latest_charge"))
}

var (
	searchRE   = regexp.MustCompile(`^metadata\['order_id'\]:'((?:[^'\\]|\\.)*)'$`)
	unescapeRE = regexp.MustCompile(`\\(.)`)
)

// search is GET /v1/payment_intents/search for the one query the adapter
// makes, metadata['order_id']:'...', newest first. A PaymentIntent shows
// only searchDelay after its creation, like Stripe's eventually consistent
// index.
func (s *Server) search(form url.Values) (int, []byte) {
	if st, b, ok := checkParams(form, []string{"query"}, "limit", "page", "expand[0]"); !ok {
		return st, b
	}
	m := searchRE.FindStringSubmatch(form.Get("query"))
	if m == nil {
		return 400, mustJSON(paramError("", "query", "This test server cannot parse the query "+form.Get("query")))
	}
	want := unescapeRE.ReplaceAllString(m[1], "$1")
	expand := form.Get("expand[0]") == "data.latest_charge"
	data := []any{}
	now := time.Now()
	for i := len(s.order) - 1; i >= 0; i-- {
		if pi := s.order[i]; pi.Metadata["order_id"] == want && !now.Before(pi.searchableAt) {
			data = append(data, intentJSON(pi, expand))
		}
	}
	return 200, mustJSON(map[string]any{"object": "search_result", "url": "/v1/payment_intents/search",
		"has_more": false, "next_page": nil, "data": data})
}

// createRefund is POST /v1/refunds of a PaymentIntent, in full or in part.
func (s *Server) createRefund(key string, form url.Values) (int, []byte) {
	if st, b, ok := checkParams(form, []string{"payment_intent"}, "amount", "reason", "metadata["); !ok {
		return st, b
	}
	id := form.Get("payment_intent")
	pi := s.intents[id]
	if pi == nil {
		return 404, mustJSON(paramError("resource_missing", "payment_intent", "No such payment_intent: '"+id+"'"))
	}
	switch form.Get("reason") {
	case "", "duplicate", "fraudulent", "requested_by_customer":
	default:
		return 400, mustJSON(paramError("", "reason", "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer"))
	}
	if pi.Status != "succeeded" {
		return 400, mustJSON(paramError("", "payment_intent",
			fmt.Sprintf("This PaymentIntent (%s) does not have a successful charge to refund.", id)))
	}
	left := pi.Amount - pi.Refunded
	if left == 0 {
		return 400, mustJSON(stripeError("invalid_request_error", "charge_already_refunded", "",
			"Charge "+pi.ChargeID+" has already been refunded."))
	}
	amount := left
	if a := form.Get("amount"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n <= 0 {
			return 400, mustJSON(paramError("parameter_invalid_integer", "amount", "Invalid positive integer"))
		}
		if n > left {
			return 400, mustJSON(paramError("amount_too_large", "amount", fmt.Sprintf(
				"Refund amount (%d) is greater than unrefunded amount on charge (%d)", n, left)))
		}
		amount = n
	}
	rf := &refund{ID: s.newID("re"), Key: key, Intent: pi.ID, ChargeID: pi.ChargeID, Status: "succeeded",
		Reason: form.Get("reason"), Currency: pi.Currency, Amount: amount, Created: time.Now().Unix(), Metadata: metadata(form)}
	pi.Refunded += amount
	s.refunds = append(s.refunds, rf)
	return 200, mustJSON(refundJSON(rf))
}

// listRefunds is GET /v1/refunds?payment_intent=..., newest first.
func (s *Server) listRefunds(form url.Values) (int, []byte) {
	if st, b, ok := checkParams(form, nil, "payment_intent", "limit", "starting_after"); !ok {
		return st, b
	}
	limit := 10
	if l, err := strconv.Atoi(form.Get("limit")); err == nil && l > 0 && l <= 100 {
		limit = l
	}
	data := []any{}
	more := false
	for i := len(s.refunds) - 1; i >= 0; i-- {
		if rf := s.refunds[i]; form.Get("payment_intent") == "" || rf.Intent == form.Get("payment_intent") {
			if len(data) == limit {
				more = true
				break
			}
			data = append(data, refundJSON(rf))
		}
	}
	return 200, mustJSON(map[string]any{"object": "list", "url": "/v1/refunds", "has_more": more, "data": data})
}

// checkParams answers Stripe's 400 for a missing or unknown parameter. An
// allowed name ending in "[" admits every parameter with that prefix.
func checkParams(form url.Values, required []string, allowed ...string) (int, []byte, bool) {
	for _, k := range required {
		if form.Get(k) == "" {
			return 400, mustJSON(paramError("parameter_missing", k, "Missing required param: "+k+".")), false
		}
	}
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
next:
	for _, k := range keys {
		for _, a := range append(required, allowed...) {
			if k == a || strings.HasSuffix(a, "[") && strings.HasPrefix(k, a) {
				continue next
			}
		}
		return 400, mustJSON(paramError("parameter_unknown", k, "Received unknown parameter: "+k)), false
	}
	return 0, nil, true
}

// metadata collects the metadata[...] parameters of a form.
func metadata(form url.Values) map[string]string {
	m := map[string]string{}
	for k, v := range form {
		if name, ok := strings.CutPrefix(k, "metadata["); ok && strings.HasSuffix(name, "]") {
			m[strings.TrimSuffix(name, "]")] = v[0]
		}
	}
	return m
}
