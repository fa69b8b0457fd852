package stripe

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/payment"
	"github.com/boxoffice/boxoffice/internal/payment/stripe/stripetest"
)

func TestNew(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts Options
		ok   bool
	}{
		{"defaults", Options{SecretKey: testKey}, true},
		{"restricted key", Options{SecretKey: "rk_test_abc"}, true},
		{"loopback http", Options{SecretKey: testKey, APIURL: "http://127.0.0.1:12111"}, true},
		{"localhost http", Options{SecretKey: testKey, APIURL: "http://localhost:12111/"}, true},
		{"https", Options{SecretKey: testKey, APIURL: "https://stripe.example.com"}, true},
		{"no key", Options{}, false},
		{"publishable key", Options{SecretKey: "pk_test_abcdefghijklmnopqrstuvwxyz1234"}, false},
		{"key with a newline", Options{SecretKey: testKey + "\n"}, false},
		{"remote http", Options{SecretKey: testKey, APIURL: "http://api.stripe.com"}, false},
		{"not a URL", Options{SecretKey: testKey, APIURL: "api.stripe.com"}, false},
		{"other scheme", Options{SecretKey: testKey, APIURL: "ftp://127.0.0.1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := New(tc.opts)
			if (err == nil) != tc.ok {
				t.Fatalf("New(%v) = %v, want ok=%v", tc.opts, err, tc.ok)
			}
			if err != nil && strings.Contains(err.Error(), testKey) {
				t.Errorf("error shows the key: %v", err)
			}
			if p != nil && p.Name() != "stripe" {
				t.Errorf("Name = %q", p.Name())
			}
		})
	}
}

func TestMaskKey(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]string{
		testKey: "sk_test_…9876",
		"sk_live_" + strings.Repeat("x", 20) + "WXYZ": "sk_live_…WXYZ",
		"rk_test_" + strings.Repeat("y", 30) + "0042": "rk_test_…0042",
		"sk_test_short":                      "sk_test_…",
		"whatever-this-is-it-is-long-enough": "…ough",
		"":                                   `""`,
	} {
		if got := maskKey(key); got != want {
			t.Errorf("maskKey(%q) = %q, want %q", key, got, want)
		}
	}
}

// TestSecretKeyNeverShown prints options and providers every way a log line
// might, and makes a server quote the key back in an error.
func TestSecretKeyNeverShown(t *testing.T) {
	t.Parallel()
	s := stripetest.New(t) // a random key of its own, not testKey
	s.EchoAuth(true)
	opts := Options{SecretKey: testKey, APIURL: s.URL()}
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "stripe", opts, "provider", p)
	shown := []string{opts.String(), fmt.Sprint(opts), fmt.Sprintf("%+v", opts), fmt.Sprintf("%#v", opts),
		fmt.Sprint(p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p), logged.String()}
	ctx := context.Background()
	_, err = p.Charge(ctx, chargeReq("ord_badkey", "tok_visa"))
	wantCode(t, err, apperr.Unavailable, "nothing was charged")
	shown = append(shown, err.Error())
	_, err = p.Refund(ctx, payment.RefundRequest{ChargeID: "pi_1", IdempotencyKey: "refund_badkey"})
	wantCode(t, err, apperr.Unavailable, "nothing was refunded")
	shown = append(shown, err.Error())
	_, err = p.Lookup(ctx, "ord_badkey")
	wantCode(t, err, apperr.Unavailable, "")
	shown = append(shown, err.Error())
	for _, text := range shown {
		if strings.Contains(text, testKey) || strings.Contains(text, testKey[8:40]) {
			t.Errorf("the secret key shows in %q", text)
		}
	}
	if !strings.Contains(logged.String(), "sk_test_…9876") || !strings.Contains(shown[len(shown)-3], "sk_test_…9876") {
		t.Errorf("the masked key is missing from %s / %s", logged.String(), shown[len(shown)-3])
	}
}

func TestPaymentMethodFor(t *testing.T) {
	t.Parallel()
	for token, want := range map[string]string{
		"tok_visa":                            "pm_card_visa",
		"tok_mastercard":                      "pm_card_mastercard",
		"tok_amex":                            "pm_card_amex",
		"tok_visa_debit":                      "pm_card_visa_debit",
		"tok_chargeDeclined":                  "pm_card_chargeDeclined",
		"tok_chargeDeclinedInsufficientFunds": "pm_card_chargeDeclinedInsufficientFunds",
		"tok_chargeDeclinedExpiredCard":       "pm_card_chargeDeclinedExpiredCard",
		"tok_chargeDeclinedIncorrectCvc":      "pm_card_chargeDeclinedIncorrectCvc",
		"tok_processingError":                 "pm_card_chargeDeclinedProcessingError",
		"pm_1QxYzAbCdEfGh":                    "pm_1QxYzAbCdEfGh",
		"pm_card_visa":                        "pm_card_visa",
		"4242424242424242":                    "pm_card_visa",
		"4242 4242 4242 4242":                 "pm_card_visa",
		"5555555555554444":                    "pm_card_mastercard",
		"378282246310005":                     "pm_card_amex",
		"4000000000000002":                    "pm_card_chargeDeclined",
		"4000000000009995":                    "pm_card_chargeDeclinedInsufficientFunds",
		"4000000000000069":                    "pm_card_chargeDeclinedExpiredCard",
		"4000000000000127":                    "pm_card_chargeDeclinedIncorrectCvc",
		"4000000000000119":                    "pm_card_chargeDeclinedProcessingError",
		// Rejected: a real card number, a legacy token, junk.
		"4111111111111111": "card numbers",
		"tok_1N3T00LkdIwH": "unknown",
		"tok_":             "unknown",
		"pm_":              "unknown",
		"pm_abc'":          "unknown",
		"visa":             "unknown",
	} {
		pm, err := paymentMethodFor(token)
		if strings.HasPrefix(want, "pm_") {
			if err != nil || pm != want {
				t.Errorf("paymentMethodFor(%q) = %q, %v; want %q", token, pm, err, want)
			}
			continue
		}
		if e, ok := apperr.As(err); !ok || e.Code != apperr.Invalid || len(e.Fields) != 1 ||
			e.Fields[0].Field != "payment_token" || !strings.Contains(e.Fields[0].Message, want) {
			t.Errorf("paymentMethodFor(%q) = %q, %v; want payment_token %q", token, pm, err, want)
		}
	}
}
