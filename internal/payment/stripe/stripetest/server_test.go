package stripetest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/payment/stripe/stripetest"
)

// do sends one form request with key as the bearer token and returns the
// status, the decoded JSON body and the headers; status 0 after an error
// (reported with t.Errorf, so do may run in other goroutines).
func do(t *testing.T, c *http.Client, s *stripetest.Server, key, method, path, idem string, form url.Values) (int, map[string]any, http.Header) {
	t.Helper()
	var req *http.Request
	if method == "GET" {
		req, _ = http.NewRequest(method, s.URL()+path+"?"+form.Encode(), nil)
	} else {
		req, _ = http.NewRequest(method, s.URL()+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return 0, nil, nil
	}
	defer res.Body.Close()
	var body map[string]any
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
			t.Errorf("%s %s: %v", method, path, err)
		}
	}
	return res.StatusCode, body, res.Header
}

// chargeForm is the adapter's PaymentIntent request for order and pm.
func chargeForm(order, pm string) url.Values {
	return url.Values{"amount": {"4200"}, "currency": {"eur"}, "confirm": {"true"}, "payment_method": {pm},
		"payment_method_types[0]": {"card"}, "metadata[order_id]": {order}, "expand[0]": {"latest_charge"}}
}

func charge(t *testing.T, s *stripetest.Server, idem, order, pm string) (int, map[string]any, http.Header) {
	t.Helper()
	return do(t, http.DefaultClient, s, s.Key(), "POST", "/v1/payment_intents", idem, chargeForm(order, pm))
}

func TestKey(t *testing.T) {
	t.Parallel()
	a, b := stripetest.New(t), stripetest.New(t)
	if !strings.HasPrefix(a.Key(), "sk_test_") || a.Key() == b.Key() {
		t.Errorf("keys %q and %q: want distinct sk_test_ keys", a.Key(), b.Key())
	}
	if st, _, _ := do(t, http.DefaultClient, a, b.Key(), "GET", "/v1/refunds", "", nil); st != 401 {
		t.Errorf("another server's key: status %d, want 401", st)
	}
	if k := stripetest.New(t, stripetest.WithKey("sk_test_mine")).Key(); k != "sk_test_mine" {
		t.Errorf("WithKey: Key() = %q", k)
	}
}

func TestChargeDeclineAndIdempotency(t *testing.T) {
	t.Parallel()
	s := stripetest.New(t)
	st, pi, _ := charge(t, s, "ord_1", "ord_1", "pm_card_visa")
	if st != 200 || pi["status"] != "succeeded" {
		t.Fatalf("charge: %d %v", st, pi)
	}
	st, again, hdr := charge(t, s, "ord_1", "ord_1", "pm_card_visa")
	if st != 200 || again["id"] != pi["id"] || hdr.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d %v %v", st, again["id"], hdr)
	}
	if st, e, _ := charge(t, s, "ord_1", "ord_1", "pm_card_amex"); st != 400 || e["error"].(map[string]any)["type"] != "idempotency_error" {
		t.Errorf("key reused with other parameters: %d %v", st, e)
	}
	st, e, _ := charge(t, s, "ord_2", "ord_2", "pm_card_chargeDeclined")
	if inner, _ := e["error"].(map[string]any); st != 402 || inner["type"] != "card_error" || inner["decline_code"] != "generic_decline" {
		t.Errorf("decline: %d %v", st, e)
	}
	charge(t, s, "ord_1_retry_with_new_key", "ord_1", "pm_card_visa") // what a buggy client would do
	if n := s.SucceededForOrder("ord_1"); n != 2 {
		t.Errorf("SucceededForOrder = %d, want 2", n)
	}
	if n, m := s.SucceededForKey("ord_1"), s.SucceededForOrder("ord_2"); n != 1 || m != 0 {
		t.Errorf("SucceededForKey = %d, want 1; declined order charged %d times", n, m)
	}
	if got := s.OverchargedOrders(); fmt.Sprint(got) != "[ord_1]" {
		t.Errorf("OverchargedOrders = %v, want [ord_1]", got)
	}
	cs := s.Charges()
	if len(cs) != 3 || cs[0].ID != pi["id"] || cs[0].IdempotencyKey != "ord_1" || !cs[0].Succeeded() || cs[1].Succeeded() ||
		cs[1].OrderID != "ord_2" || cs[0].Amount != 4200 || cs[0].Currency != "eur" {
		t.Errorf("Charges = %+v", cs)
	}
	if r := s.Requests("POST", "/v1/payment_intents"); len(r) != 5 || r[0].Replayed || !r[1].Replayed {
		t.Errorf("Requests = %+v", r)
	}
}

func TestRefunds(t *testing.T) {
	t.Parallel()
	s := stripetest.New(t)
	_, pi, _ := charge(t, s, "ord_r", "ord_r", "pm_card_visa")
	id := pi["id"].(string)
	refund := func(idem, amount string) int {
		form := url.Values{"payment_intent": {id}}
		if amount != "" {
			form.Set("amount", amount)
		}
		st, _, _ := do(t, http.DefaultClient, s, s.Key(), "POST", "/v1/refunds", idem, form)
		return st
	}
	if a, b, c, d := refund("re_1", "1000"), refund("re_1", "1000"), refund("re_2", ""), refund("re_3", ""); a != 200 || b != 200 || c != 200 || d != 400 {
		t.Errorf("statuses %d %d %d %d, want 200 200 200 400", a, b, c, d)
	}
	if n, amount := s.RefundedFor(id); n != 2 || amount != 4200 {
		t.Errorf("RefundedFor = %d, %d; want 2, 4200", n, amount)
	}
	if rs := s.Refunds(); len(rs) != 2 || rs[0].IdempotencyKey != "re_1" || rs[0].Amount != 1000 || rs[1].PaymentIntent != id {
		t.Errorf("Refunds = %+v", rs)
	}
	if c := s.Charges(); c[0].Refunded != 4200 {
		t.Errorf("Charges()[0].Refunded = %d", c[0].Refunded)
	}
}

func TestFailureInjection(t *testing.T) {
	t.Parallel()
	s := stripetest.New(t)
	s.FailNext(1)
	s.GatewayErrorNext(1)
	if st, e, _ := charge(t, s, "ord_f", "ord_f", "pm_card_visa"); st != 500 || e["error"] == nil {
		t.Errorf("FailNext: %d %v", st, e)
	}
	if st, e, _ := charge(t, s, "ord_f", "ord_f", "pm_card_visa"); st != 502 || e != nil {
		t.Errorf("GatewayErrorNext: %d %v", st, e)
	}
	if s.SucceededForOrder("ord_f") != 0 {
		t.Error("a failed request charged")
	}
	s.StallNextCharge(1, time.Minute)
	s.SetSearchDelay(300 * time.Millisecond)
	client := &http.Client{Timeout: 200 * time.Millisecond}
	req, _ := http.NewRequest("POST", s.URL()+"/v1/payment_intents", strings.NewReader(chargeForm("ord_f", "pm_card_visa").Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+s.Key())
	req.Header.Set("Idempotency-Key", "ord_f")
	if res, err := client.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("stalled charge answered %d", res.StatusCode)
	}
	if n := s.SucceededForOrder("ord_f"); n != 1 {
		t.Errorf("stalled charge: charged %d times, want 1", n)
	}
	search := func() int {
		_, b, _ := do(t, http.DefaultClient, s, s.Key(), "GET", "/v1/payment_intents/search", "",
			url.Values{"query": {"metadata['order_id']:'ord_f'"}})
		data, _ := b["data"].([]any)
		return len(data)
	}
	if n := search(); n != 0 {
		t.Errorf("search during the delay found %d", n)
	}
	time.Sleep(350 * time.Millisecond)
	if n := search(); n != 1 {
		t.Errorf("search after the delay found %d, want 1", n)
	}
}

// TestStallEndsWithTest: a charge stalled for an hour must not keep the
// test's cleanup waiting.
func TestStallEndsWithTest(t *testing.T) {
	t.Parallel()
	start := time.Now()
	errs := make(chan error, 1)
	t.Run("stalled", func(t *testing.T) {
		s := stripetest.New(t)
		s.StallNextCharge(1, time.Hour)
		go func() {
			req, _ := http.NewRequest("POST", s.URL()+"/v1/payment_intents", strings.NewReader(chargeForm("o", "pm_card_visa").Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+s.Key())
			res, err := http.DefaultClient.Do(req)
			if err == nil {
				res.Body.Close()
				err = fmt.Errorf("status %d", res.StatusCode)
			} else {
				err = nil // the connection dropped, as wanted
			}
			errs <- err
		}()
		for s.SucceededForOrder("o") == 0 {
			time.Sleep(5 * time.Millisecond)
		}
	})
	if err := <-errs; err != nil {
		t.Errorf("stalled request after the test: %v, want a dropped connection", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cleanup took %v", d)
	}
}

// TestConcurrent races many clients on a few orders while the test reads
// the ledger; run with -race.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	s := stripetest.New(t)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			order := fmt.Sprint("ord_", i%4)
			if st, _, _ := charge(t, s, order, order, "pm_card_visa"); st != 200 {
				t.Errorf("charge %s: %d", order, st)
			}
			_ = s.Charges()
			_ = s.Requests("", "")
		})
	}
	wg.Wait()
	for i := range 4 {
		if n := s.SucceededForOrder(fmt.Sprint("ord_", i)); n != 1 {
			t.Errorf("ord_%d charged %d times", i, n)
		}
	}
	if o := s.OverchargedOrders(); len(o) != 0 || len(s.Charges()) != 4 {
		t.Errorf("OverchargedOrders = %v, %d charges", o, len(s.Charges()))
	}
}
