package web_test

import (
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/wallet"
)

// TestBrowserWalletButtons: every valid ticket in My tickets and on its
// order offers "Add to Apple Wallet" and "Save to Google Wallet", and a
// void (refunded) ticket offers neither. The Apple button's link serves
// the signed pass with the ticket's barcode, which the browser fetches
// as application/vnd.apple.pkpass; the Google button's sends the buyer to
// pay.google.com with a JWT the instance's key verifies. Another buyer
// following the same links gets 404, and an organizer looking at the
// buyer's order is offered no buttons. Desktop and 390 px phone screenshots.
func TestBrowserWalletButtons(t *testing.T) {
	s := sharedSite(t)
	e := s.feeEvent(t, "Wallet Test Night")
	reg := s.newBuyer(t)
	u, _, err := login(t, s, reg)
	if err != nil {
		t.Fatal(err)
	}
	kept := s.buyFor(t, u, e.ID, booking.HoldRequest{Section: "A", Quantity: 2, BestAvailable: true}, "tok_visa")
	refunded := s.buyFor(t, u, e.ID, booking.HoldRequest{Section: "Floor", Quantity: 1}, "tok_visa")
	if _, err := s.App.Booking.Refund(t.Context(), s.Admin, refunded.ID); err != nil {
		t.Fatal(err)
	}

	tb := newBrowser(t, "buyer").tab(s.URL)
	tb.signIn(reg)
	tb.open("/me/tickets")
	group := `document.querySelector('#tg-` + e.ID + `').closest('section')`
	if n := eval[int](tb, group+`.querySelectorAll('.ticket').length`); n != 2 {
		t.Fatalf("My tickets shows %d tickets of the event, want 2", n)
	}
	for _, tk := range kept.Tickets {
		sel := `document.querySelector('[data-ticket-id="` + tk.ID + `"]')`
		apple := eval[string](tb, sel+`.querySelector('a.wallet-apple').getAttribute('href')`)
		google := eval[string](tb, sel+`.querySelector('a.wallet-google').getAttribute('href')`)
		if apple != "/tickets/"+tk.ID+"/pass.pkpass" || google != "/tickets/"+tk.ID+"/google-wallet" {
			t.Errorf("ticket %s links to %q and %q", tk.ID, apple, google)
		}
		text := eval[string](tb, sel+`.querySelector('.wallet').innerText`)
		if !strings.Contains(text, "Add to Apple Wallet") || !strings.Contains(text, "Save to Google Wallet") {
			t.Errorf("ticket %s buttons read %q", tk.ID, text)
		}
	}
	// The browser, with its session, gets the pass the button links to.
	got := evalAwait[map[string]any](tb, `fetch('/tickets/`+kept.Tickets[0].ID+`/pass.pkpass').then(async r => ({status: r.status, type: r.headers.get('Content-Type'), size: (await r.arrayBuffer()).byteLength}))`)
	if got["status"] != float64(200) || got["type"] != "application/vnd.apple.pkpass" || got["size"].(float64) < 500 {
		t.Errorf("the Apple button's link answered %v", got)
	}
	tb.shot("01-my-tickets")
	tb.phone()
	tb.shot("01-my-tickets-phone")
	tb.desktop()

	tb.open("/orders/" + refunded.ID)
	if n := eval[int](tb, `document.querySelectorAll('.ticket').length`); n != 1 {
		t.Fatalf("the refunded order shows %d tickets", n)
	}
	if n := eval[int](tb, `document.querySelectorAll('.ticket .wallet a').length`); n != 0 {
		t.Errorf("a void ticket offers %d wallet buttons", n)
	}
	tb.open("/orders/" + kept.ID)
	if n := eval[int](tb, `document.querySelectorAll('.ticket .wallet a').length`); n != 4 {
		t.Errorf("the order's two tickets offer %d wallet buttons, want 4", n)
	}
	tb.phone()
	tb.shot("02-order-phone")
	tb.desktop()

	// The links, followed over HTTP with the buyer's session.
	c := client(t)
	signInHTTP(t, c, s, reg)
	tk := kept.Tickets[0]
	res, body := get(t, c, s.URL+"/tickets/"+tk.ID+"/pass.pkpass")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/vnd.apple.pkpass" {
		t.Fatalf("pass: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	roots := x509.NewCertPool()
	roots.AddCert(s.App.Wallet.Apple().Chain()[0])
	pass, err := wallet.Open([]byte(body), roots, s.App.Clock.Now())
	if err != nil {
		t.Fatalf("the served pass does not open: %v", err)
	}
	if pass.Pass.SerialNumber != tk.ID || len(pass.Pass.Barcodes) != 1 || pass.Pass.Barcodes[0].Message != tk.Barcode {
		t.Errorf("pass %+v, want ticket %s with barcode %q", pass.Pass, tk.ID, tk.Barcode)
	}
	if in, err := s.App.Booking.CheckIn(t.Context(), staffUser(t, s), pass.Pass.Barcodes[0].Message); err != nil || in.ID != tk.ID {
		t.Errorf("the gate refused the pass's barcode: %v", err)
	}
	res, _ = get(t, c, s.URL+"/tickets/"+tk.ID+"/google-wallet")
	loc := res.Header.Get("Location")
	raw, ok := strings.CutPrefix(loc, wallet.GoogleSaveBase)
	if res.StatusCode != http.StatusSeeOther || !ok {
		t.Fatalf("Google link: %d to %q", res.StatusCode, loc)
	}
	raw, _ = url.PathUnescape(raw)
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return s.App.Wallet.Google().PublicKey(), nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience("google")); err != nil {
		t.Fatalf("the Google JWT does not verify: %v", err)
	}
	payload, _ := json.Marshal(claims["payload"])
	if !strings.Contains(string(payload), `"value":"`+tk.Barcode+`"`) || !strings.Contains(string(payload), "Wallet Test Night") {
		t.Errorf("the Google JWT does not carry the barcode: %v", claims["payload"])
	}

	// Someone else following the same links learns nothing.
	stranger := account.Registration{Email: "wallet-stranger@example.com", Password: "stranger-password", Name: "Stranger"}
	if _, _, err := s.App.Accounts.Register(t.Context(), stranger); err != nil {
		t.Fatal(err)
	}
	other := client(t)
	signInHTTP(t, other, s, stranger)
	for _, p := range []string{"/pass.pkpass", "/google-wallet"} {
		if res, _ := get(t, other, s.URL+"/tickets/"+tk.ID+p); res.StatusCode != http.StatusNotFound {
			t.Errorf("another buyer's %s: %d, want 404", p, res.StatusCode)
		}
	}
	// An organizer sees the buyer's order and tickets, but no wallet
	// buttons: the passes would be refused them.
	admin := client(t)
	signInHTTP(t, admin, s, adminLogin)
	if res, page := get(t, admin, s.URL+"/orders/"+kept.ID); res.StatusCode != 200 || !strings.Contains(page, tk.ID) || strings.Contains(page, "wallet-apple") {
		t.Errorf("the organizer's view of the order: %d; want 200 with the tickets and no wallet buttons", res.StatusCode)
	}
	if res, _ := get(t, c, s.URL+"/tickets/"+refunded.Tickets[0].ID+"/pass.pkpass"); res.StatusCode != http.StatusConflict {
		t.Errorf("a void ticket's pass: %d, want 409", res.StatusCode)
	}
}
