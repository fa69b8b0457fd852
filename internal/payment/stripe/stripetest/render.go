package stripetest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Rendering of objects and errors in Stripe's JSON shapes. Fields the
// adapter does not read are included anyway where Stripe always sends them,
// so that a client decoding strictly sees a realistic object.

// intentJSON renders a PaymentIntent, its latest charge expanded or as an id.
func intentJSON(pi *intent, expand bool) map[string]any {
	m := map[string]any{"id": pi.ID, "object": "payment_intent", "amount": pi.Amount, "amount_received": 0,
		"capture_method": "automatic", "confirmation_method": "automatic", "client_secret": pi.ID + "_secret_fake",
		"created": pi.Created, "currency": pi.Currency, "description": nil, "livemode": false, "metadata": pi.Metadata,
		"payment_method": pi.PM, "payment_method_types": []string{"card"}, "status": pi.Status,
		"latest_charge": nil, "last_payment_error": nil, "next_action": nil}
	if pi.Description != "" {
		m["description"] = pi.Description
	}
	if pi.Status == "succeeded" {
		m["amount_received"] = pi.Amount
	}
	if pi.ChargeID != "" {
		m["latest_charge"] = pi.ChargeID
		if expand {
			m["latest_charge"] = chargeJSON(pi)
		}
	}
	switch c := cards[pi.PM]; pi.Status {
	case "requires_payment_method":
		lpe := stripeError("card_error", c.code, c.decline, c.msg)["error"].(map[string]any)
		lpe["payment_method"] = map[string]any{"id": pi.PM, "object": "payment_method", "type": "card"}
		m["last_payment_error"] = lpe
	case "requires_action":
		m["next_action"] = map[string]any{"type": "use_stripe_sdk", "use_stripe_sdk": map[string]any{"type": "three_d_secure_redirect"}}
	}
	return m
}

// chargeJSON renders the latest Charge of a PaymentIntent.
func chargeJSON(pi *intent) map[string]any {
	ok := pi.Status == "succeeded"
	status := "failed"
	if ok {
		status = "succeeded"
	}
	return map[string]any{"id": pi.ChargeID, "object": "charge", "amount": pi.Amount, "amount_captured": pi.Amount,
		"amount_refunded": pi.Refunded, "refunded": ok && pi.Refunded == pi.Amount, "captured": ok, "paid": ok,
		"created": pi.Created, "currency": pi.Currency, "payment_intent": pi.ID, "payment_method": pi.PM, "status": status,
		"payment_method_details": map[string]any{"type": "card", "card": map[string]any{"brand": pi.Brand,
			"last4": pi.Last4, "exp_month": 12, "exp_year": 2034, "funding": "credit", "country": "US"}}}
}

// refundJSON renders a Refund.
func refundJSON(rf *refund) map[string]any {
	m := map[string]any{"id": rf.ID, "object": "refund", "amount": rf.Amount, "charge": rf.ChargeID,
		"payment_intent": rf.Intent, "currency": rf.Currency, "created": rf.Created, "status": rf.Status,
		"reason": nil, "metadata": rf.Metadata}
	if rf.Reason != "" {
		m["reason"] = rf.Reason
	}
	return m
}

// stripeError is Stripe's error body; code and decline may be empty.
func stripeError(typ, code, decline, msg string) map[string]any {
	e := map[string]any{"type": typ, "message": msg}
	if code != "" {
		e["code"] = code
		e["doc_url"] = "https://stripe.com/docs/error-codes/" + strings.ReplaceAll(code, "_", "-")
	}
	if decline != "" {
		e["decline_code"] = decline
	}
	return map[string]any{"error": e}
}

// paramError is an invalid_request_error that names the parameter at fault.
func paramError(code, param, msg string) map[string]any {
	e := stripeError("invalid_request_error", code, "", msg)
	e["error"].(map[string]any)["param"] = param
	return e
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(mustJSON(v))
}
