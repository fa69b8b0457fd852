package httpapi_test

import (
	"crypto/x509"
	"encoding/json"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/wallet"
	"github.com/boxoffice/boxoffice/internal/wallet/wallettest"
)

// TestWalletPasses: the holder of a ticket gets an Apple Wallet pass that
// is well-formed (required files, a manifest that hashes every file, a
// signature by the dev certificate that Go and openssl both verify) and
// whose QR barcode is the ticket's, which the gate admits; and a Google
// Wallet link whose JWT verifies with the dev key and carries the same
// barcode. Anyone else, organizers included, gets 404; a refunded ticket
// has neither (409).
func TestWalletPasses(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ev := h.event(t, 2, 10, 10)
	buyer, other := h.buyer(t), h.buyer(t)
	var hd struct{ Hold struct{ ID string } }
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: buyer,
		Body: map[string]any{"best_available": true, "quantity": 2}}).JSON(t, &hd)
	var o struct {
		Order struct {
			ID      string
			Tickets []struct {
				ID, Barcode, Section string
				Row                  *string
				Number               *int
			}
		}
	}
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: buyer, Header: map[string]string{"Idempotency-Key": "w1"},
		Body: map[string]any{"hold_id": hd.Hold.ID, "payment_token": "tok_visa"}}).JSON(t, &o)
	tk := o.Order.Tickets[0]

	res := h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/tickets/" + tk.ID + "/pass.pkpass", Token: buyer})
	if ct := res.Header.Get("Content-Type"); ct != "application/vnd.apple.pkpass" {
		t.Errorf("Content-Type %q", ct)
	}
	apple := h.app.Wallet.Apple()
	if !apple.Dev() {
		t.Fatal("the embedded default should sign with a development certificate")
	}
	roots := x509.NewCertPool()
	roots.AddCert(apple.Chain()[0])
	pass, err := wallet.Open(res.Body, roots, h.clock.Now())
	if err != nil {
		t.Fatalf("the served pass does not open: %v", err)
	}
	p := pass.Pass
	if p.SerialNumber != tk.ID || p.FormatVersion != 1 || p.PassTypeIdentifier != wallet.DevPassTypeID || p.OrganizationName != "Boxoffice" {
		t.Errorf("pass.json header %+v", p)
	}
	if len(p.Barcodes) != 1 || p.Barcodes[0].Message != tk.Barcode || p.Barcodes[0].Format != "PKBarcodeFormatQR" || p.Barcodes[0].MessageEncoding != "iso-8859-1" {
		t.Errorf("barcodes %+v, want the ticket's %q", p.Barcodes, tk.Barcode)
	}
	if p.RelevantDate != "2026-11-26T07:00:00-05:00" {
		t.Errorf("relevantDate %q, want the show's time in New York", p.RelevantDate)
	}
	seen := map[string]string{}
	for _, f := range append(append(p.EventTicket.PrimaryFields, p.EventTicket.SecondaryFields...), p.EventTicket.AuxiliaryFields...) {
		seen[f.Key] = f.Value
	}
	if seen["event"] != "Test Show" || seen["venue"] != "Test Hall" || seen["section"] != tk.Section || seen["row"] != *tk.Row ||
		seen["seat"] != itoa(*tk.Number) || seen["starts"] != "2026-11-26T07:00:00-05:00" {
		t.Errorf("pass fields %v", seen)
	}
	if _, err := exec.LookPath("openssl"); err == nil {
		wallettest.OpenSSLVerify(t, pass, apple.Chain()[0])
	} else {
		t.Log("openssl not on PATH: the signature was checked in Go only")
	}

	// The barcode on the pass is one the gate admits.
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/admin/users", Token: h.admin, Header: map[string]string{"Idempotency-Key": "gate"},
		Body: map[string]any{"email": "wallet-gate@example.com", "password": "gate-password", "name": "Gate", "role": "staff"}})
	var gate struct{ Token string }
	h.c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"email": "wallet-gate@example.com", "password": "gate-password"}}).JSON(t, &gate)
	var in struct {
		TicketID string `json:"ticket_id"`
		Status   string
	}
	h.c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/checkins", Token: gate.Token, Body: map[string]string{"barcode": p.Barcodes[0].Message}}).JSON(t, &in)
	if in.TicketID != tk.ID || in.Status != "checked_in" {
		t.Errorf("check-in %+v", in)
	}

	// Google Wallet: a link to Google whose JWT the dev key verifies.
	var link struct{ URL string }
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/tickets/" + tk.ID + "/google-wallet", Token: buyer}).JSON(t, &link)
	raw, ok := strings.CutPrefix(link.URL, "https://pay.google.com/gp/v/save/")
	if !ok {
		t.Fatalf("link %q", link.URL)
	}
	raw, _ = url.PathUnescape(raw)
	g := h.app.Wallet.Google()
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return g.PublicKey(), nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience("google"), jwt.WithIssuer(wallet.DevGoogleIssuer)); err != nil {
		t.Fatalf("the JWT does not verify with the dev key: %v", err)
	}
	body, _ := json.Marshal(claims["payload"])
	var payload struct {
		Objects []struct {
			Barcode  struct{ Type, Value string }
			SeatInfo map[string]struct {
				DefaultValue struct{ Value string } `json:"defaultValue"`
			} `json:"seatInfo"`
		} `json:"eventTicketObjects"`
		Classes []struct {
			EventName struct {
				DefaultValue struct{ Value string } `json:"defaultValue"`
			} `json:"eventName"`
		} `json:"eventTicketClasses"`
	}
	if err := json.Unmarshal(body, &payload); err != nil || len(payload.Objects) != 1 || len(payload.Classes) != 1 {
		t.Fatalf("payload %s: %v", body, err)
	}
	if ob := payload.Objects[0]; claims["typ"] != "savetowallet" || ob.Barcode.Type != "QR_CODE" || ob.Barcode.Value != tk.Barcode ||
		ob.SeatInfo["row"].DefaultValue.Value != *tk.Row || payload.Classes[0].EventName.DefaultValue.Value != "Test Show" {
		t.Errorf("JWT claims %v", claims)
	}

	// Nobody else gets either: another buyer, the organizer, no one signed in.
	for _, token := range []string{other, h.admin, gate.Token} {
		for _, what := range []string{"pass.pkpass", "google-wallet"} {
			h.c.Must(t, 404, apitest.Req{Method: "GET", Path: "/api/v1/tickets/" + tk.ID + "/" + what, Token: token})
		}
	}
	h.c.Must(t, 401, apitest.Req{Method: "GET", Path: "/api/v1/tickets/" + tk.ID + "/pass.pkpass"})
	h.c.Must(t, 404, apitest.Req{Method: "GET", Path: "/api/v1/tickets/tkt_nope/pass.pkpass", Token: buyer})

	// A refunded ticket is void: no pass, no link.
	h.c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/orders/" + o.Order.ID + "/refund", Token: h.admin, Header: map[string]string{"Idempotency-Key": "w-refund"}})
	for _, what := range []string{"pass.pkpass", "google-wallet"} {
		var prob struct{ Code string }
		h.c.Must(t, 409, apitest.Req{Method: "GET", Path: "/api/v1/tickets/" + o.Order.Tickets[1].ID + "/" + what, Token: buyer}).JSON(t, &prob)
		if prob.Code != "conflict" {
			t.Errorf("%s of a void ticket: code %q", what, prob.Code)
		}
	}
}
