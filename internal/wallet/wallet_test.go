package wallet_test

import (
	"archive/zip"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/wallet"
	"github.com/boxoffice/boxoffice/internal/wallet/wallettest"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func ticket() booking.Ticket {
	row, num := "C", 12
	return booking.Ticket{ID: "tkt_01abc", OrderID: "ord_01xyz", EventID: "evt_01def", UserID: "usr_1", Section: "Stalls",
		Row: &row, Number: &num, Barcode: "tkt_01abc.Zm9vYmFy", Status: booking.TicketValid,
		Event: &booking.TicketEvent{Name: "Fado Night", StartsAt: time.Date(2026, 6, 12, 19, 30, 0, 0, time.UTC),
			LocalStartsAt: "2026-06-12T20:30:00+01:00",
			Venue:         booking.TicketVenue{ID: "ven_1", Name: "Coliseu", City: "Lisboa", Timezone: "Europe/Lisbon"}}}
}

func devRoots(t *testing.T, a *wallet.AppleSigner) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	for _, c := range a.Chain() {
		pool.AddCert(c)
	}
	return pool
}

// A dev-signed pass is a well-formed pass: every required file, a manifest
// that hashes every file, a signature that verifies against the dev CA,
// and a pass.json with the ticket's event, seat and barcode.
func TestApplePassWellFormed(t *testing.T) {
	t.Parallel()
	a, err := wallet.NewDevAppleSigner("Boxoffice", now)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Dev() {
		t.Error("dev signer says it is not dev")
	}
	tk := ticket()
	b, err := a.Pass(tk)
	if err != nil {
		t.Fatal(err)
	}
	o, err := wallet.Open(b, devRoots(t, a), now)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"pass.json", "manifest.json", "signature", "icon.png", "icon@2x.png", "logo.png"} {
		if len(o.Files[f]) == 0 {
			t.Errorf("%s missing or empty", f)
		}
	}
	p := o.Pass
	if p.FormatVersion != 1 || p.PassTypeIdentifier != wallet.DevPassTypeID || p.TeamIdentifier != wallet.DevTeamID ||
		p.SerialNumber != tk.ID || p.OrganizationName != "Boxoffice" || !strings.Contains(p.Description, "Fado Night") {
		t.Errorf("pass header %+v", p)
	}
	if p.RelevantDate != "2026-06-12T20:30:00+01:00" {
		t.Errorf("relevantDate %q, want the venue's local time", p.RelevantDate)
	}
	if len(p.Barcodes) != 1 || p.Barcodes[0] != (wallet.Barcode{Format: "PKBarcodeFormatQR", Message: tk.Barcode, MessageEncoding: "iso-8859-1", AltText: tk.ID}) {
		t.Errorf("barcodes %+v", p.Barcodes)
	}
	fields := map[string]wallet.Field{}
	et := p.EventTicket
	for _, group := range [][]wallet.Field{et.PrimaryFields, et.SecondaryFields, et.AuxiliaryFields, et.BackFields} {
		for _, f := range group {
			fields[f.Key] = f
		}
	}
	want := map[string]string{"event": "Fado Night", "venue": "Coliseu, Lisboa", "section": "Stalls", "row": "C", "seat": "12",
		"starts": "2026-06-12T20:30:00+01:00", "ticket": tk.ID, "local_time": "Fri 12 Jun 2026, 20:30"}
	for k, v := range want {
		if fields[k].Value != v {
			t.Errorf("field %s = %q, want %q", k, fields[k].Value, v)
		}
	}
	if !fields["starts"].IgnoresTimeZone || fields["starts"].DateStyle == "" {
		t.Errorf("the date field must show the venue's time: %+v", fields["starts"])
	}
	// Wallet reads the required keys from raw JSON; check the names too.
	var raw map[string]any
	if err := json.Unmarshal(o.Files["pass.json"], &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"formatVersion", "passTypeIdentifier", "serialNumber", "teamIdentifier", "organizationName", "description", "barcodes", "eventTicket"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("pass.json lacks %s", k)
		}
	}

	// A general-admission ticket says so instead of a row and seat.
	ga := ticket()
	ga.Row, ga.Number = nil, nil
	gb, err := a.Pass(ga)
	if err != nil {
		t.Fatal(err)
	}
	og, err := wallet.Open(gb, devRoots(t, a), now)
	if err != nil {
		t.Fatal(err)
	}
	if aux := og.Pass.EventTicket.AuxiliaryFields; len(aux) != 2 || aux[1].Value != "General admission" {
		t.Errorf("general admission fields %+v", aux)
	}
}

// Tampering with any file, or checking against another CA, fails Open:
// the check is not vacuous.
func TestApplePassTamperedFails(t *testing.T) {
	t.Parallel()
	a, err := wallet.NewDevAppleSigner("Boxoffice", now)
	if err != nil {
		t.Fatal(err)
	}
	other, err := wallet.NewDevAppleSigner("Boxoffice", now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.Pass(ticket())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wallet.Open(b, devRoots(t, other), now); err == nil {
		t.Error("a pass verified against another CA")
	}
	if _, err := wallet.Open(b, devRoots(t, a), now.AddDate(2, 0, 0)); err == nil {
		t.Error("a pass verified after its certificate expired")
	}
	for _, victim := range []string{"pass.json", "manifest.json"} {
		tampered := rezip(t, b, func(name string, data []byte) []byte {
			switch {
			case name == victim && name == "pass.json":
				return bytes.Replace(data, []byte("Fado"), []byte("Fake"), 1)
			case name == victim:
				// Still the same hashes, but not the bytes signed.
				return append(data, '\n')
			}
			return data
		})
		if _, err := wallet.Open(tampered, devRoots(t, a), now); err == nil {
			t.Errorf("a pass with a changed %s verified", victim)
		}
	}
}

func rezip(t *testing.T, b []byte, edit func(string, []byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, _ := f.Open()
		var data bytes.Buffer
		_, _ = data.ReadFrom(rc)
		rc.Close()
		w, _ := zw.Create(f.Name)
		_, _ = w.Write(edit(f.Name, data.Bytes()))
	}
	_ = zw.Close()
	return out.Bytes()
}

// openssl, an implementation that shares no code with ours, verifies the
// detached signature against the dev CA.
func TestApplePassOpenSSLVerifies(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not on PATH")
	}
	a, err := wallet.NewDevAppleSigner("Boxoffice", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.Pass(ticket())
	if err != nil {
		t.Fatal(err)
	}
	o, err := wallet.Open(b, devRoots(t, a), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	wallettest.OpenSSLVerify(t, o, a.Chain()[0])
}

// A real certificate loads with its key and WWDR intermediate, and the
// signature then carries the intermediate; mismatched parts are refused.
func TestNewAppleSignerLoadsAndRefuses(t *testing.T) {
	t.Parallel()
	wwdrKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	wwdrTmpl := &x509.Certificate{SerialNumber: big.NewInt(10), Subject: pkix.Name{CommonName: "Test WWDR"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)}
	wwdrDER, _ := x509.CreateCertificate(rand.Reader, wwdrTmpl, wwdrTmpl, wwdrKey.Public(), wwdrKey)
	wwdr, _ := x509.ParseCertificate(wwdrDER)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(11), Subject: pkix.Name{CommonName: "Pass Type ID: pass.com.example.tickets"},
		KeyUsage: x509.KeyUsageDigitalSignature, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)}
	leafDER, _ := x509.CreateCertificate(rand.Reader, leafTmpl, wwdr, rsaKey.Public(), wwdrKey)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})
	wwdrPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: wwdrDER})

	a, err := wallet.NewAppleSigner("pass.com.example.tickets", "ABCDE12345", "Example Tickets", certPEM, keyPEM, wwdrPEM)
	if err != nil {
		t.Fatal(err)
	}
	if a.Dev() {
		t.Error("a loaded signer says it is dev")
	}
	b, err := a.Pass(ticket())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(wwdr)
	o, err := wallet.Open(b, pool, now)
	if err != nil {
		t.Fatal(err)
	}
	if o.Pass.PassTypeIdentifier != "pass.com.example.tickets" || o.Pass.TeamIdentifier != "ABCDE12345" {
		t.Errorf("pass identity %q %q", o.Pass.PassTypeIdentifier, o.Pass.TeamIdentifier)
	}

	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherKeyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(otherKey)})
	for name, c := range map[string]struct{ cert, key, wwdr []byte }{
		"key of another certificate":         {certPEM, otherKeyPEM, wwdrPEM},
		"intermediate that did not issue it": {certPEM, keyPEM, certPEM},
		"not PEM":                            {[]byte("hello"), keyPEM, nil},
		"key not PEM":                        {certPEM, []byte("hello"), nil},
	} {
		if _, err := wallet.NewAppleSigner("pass.com.example.tickets", "ABCDE12345", "X", c.cert, c.key, c.wwdr); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

// The Save to Google Wallet JWT verifies with the signer's public key and
// carries the barcode, the seat and the event.
func TestGoogleSaveJWT(t *testing.T) {
	t.Parallel()
	g, err := wallet.NewDevGoogleSigner("Boxoffice", []string{"http://localhost:8080"})
	if err != nil {
		t.Fatal(err)
	}
	tk := ticket()
	s, err := g.SaveJWT(tk, now)
	if err != nil {
		t.Fatal(err)
	}
	CheckGoogleJWT(t, s, g, tk)

	// Signed by another key, it does not verify.
	other, _ := wallet.NewDevGoogleSigner("Boxoffice", nil)
	if _, err := jwt.Parse(s, func(*jwt.Token) (any, error) { return other.PublicKey(), nil }, jwt.WithValidMethods([]string{"RS256"})); err == nil {
		t.Error("the JWT verified with another key")
	}
}

// CheckGoogleJWT verifies a save JWT with g's public key and checks what
// it says of ticket tk.
func CheckGoogleJWT(t *testing.T, s string, g *wallet.GoogleSigner, tk booking.Ticket) {
	t.Helper()
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(s, claims, func(*jwt.Token) (any, error) { return g.PublicKey(), nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience("google"), jwt.WithIssuer(g.Issuer))
	if err != nil || !tok.Valid {
		t.Fatalf("JWT does not verify: %v", err)
	}
	if claims["typ"] != "savetowallet" {
		t.Errorf("typ %v", claims["typ"])
	}
	var p struct {
		Payload struct {
			Classes []struct {
				ID        string `json:"id"`
				EventName struct {
					DefaultValue struct{ Value string } `json:"defaultValue"`
				} `json:"eventName"`
				DateTime struct{ Start string } `json:"dateTime"`
			} `json:"eventTicketClasses"`
			Objects []struct {
				ID, ClassID string
				State       string
				Barcode     struct{ Type, Value string }
				SeatInfo    map[string]struct {
					DefaultValue struct{ Value string } `json:"defaultValue"`
				} `json:"seatInfo"`
			} `json:"eventTicketObjects"`
		} `json:"payload"`
	}
	b, _ := json.Marshal(claims)
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Payload.Objects) != 1 || len(p.Payload.Classes) != 1 {
		t.Fatalf("payload %s", b)
	}
	obj, cls := p.Payload.Objects[0], p.Payload.Classes[0]
	if obj.Barcode.Type != "QR_CODE" || obj.Barcode.Value != tk.Barcode {
		t.Errorf("barcode %+v, want QR_CODE %q", obj.Barcode, tk.Barcode)
	}
	if obj.ID != g.IssuerID+"."+tk.ID || obj.ClassID != cls.ID || cls.ID != g.IssuerID+"."+tk.EventID || obj.State != "ACTIVE" {
		t.Errorf("ids: object %q class %q / %q", obj.ID, obj.ClassID, cls.ID)
	}
	if cls.EventName.DefaultValue.Value != tk.Event.Name || cls.DateTime.Start != tk.Event.LocalStartsAt {
		t.Errorf("event %q at %q", cls.EventName.DefaultValue.Value, cls.DateTime.Start)
	}
	if obj.SeatInfo["section"].DefaultValue.Value != tk.Section {
		t.Errorf("seat info %+v", obj.SeatInfo)
	}
	if tk.Row != nil && (obj.SeatInfo["row"].DefaultValue.Value != *tk.Row || obj.SeatInfo["seat"].DefaultValue.Value == "") {
		t.Errorf("seat info %+v", obj.SeatInfo)
	}
}

// A real service account file loads; broken ones are refused.
func TestNewGoogleSigner(t *testing.T) {
	t.Parallel()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	sa, _ := json.Marshal(map[string]string{"type": "service_account", "client_email": "wallet@example.iam.gserviceaccount.com",
		"private_key_id": "k1", "private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))})
	g, err := wallet.NewGoogleSigner(sa, "3388000000022222222", "Example", nil)
	if err != nil {
		t.Fatal(err)
	}
	if g.Dev() || g.Issuer != "wallet@example.iam.gserviceaccount.com" {
		t.Errorf("signer %+v", g)
	}
	s, err := g.SaveJWT(ticket(), now)
	if err != nil {
		t.Fatal(err)
	}
	CheckGoogleJWT(t, s, g, ticket())
	tok, _, _ := jwt.NewParser().ParseUnverified(s, jwt.MapClaims{})
	if tok.Header["kid"] != "k1" {
		t.Errorf("kid %v", tok.Header["kid"])
	}
	for name, file := range map[string][]byte{"not JSON": []byte("{"), "no key": []byte(`{"type":"service_account","client_email":"a@b"}`),
		"not a service account": []byte(`{"type":"authorized_user"}`)} {
		if _, err := wallet.NewGoogleSigner(file, "3388000000022222222", "X", nil); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
	if _, err := wallet.NewGoogleSigner(sa, "33 88", "X", nil); err == nil {
		t.Error("an issuer id with a space loaded")
	}
}
