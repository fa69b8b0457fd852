package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/config"
)

// Without wallet settings, start-up makes development signers and says so
// in the log; with them, it loads the files; and a file that is missing or
// holds the wrong thing stops start-up with the flag's name.
func TestNewWallet(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	clk := clock.NewFake(now)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key := func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey, passKey, saKey := key(), key(), key()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test WWDR"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	leafDER, _ := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Pass Type ID: pass.com.example.tickets"},
		KeyUsage: x509.KeyUsageDigitalSignature, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)}, ca, &passKey.PublicKey, caKey)
	certFile := write("pass.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}))
	keyFile := write("pass.key", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(passKey)}))
	wrongKeyFile := write("ca.key", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(caKey)}))
	wwdrFile := write("wwdr.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(saKey)
	sa, _ := json.Marshal(map[string]string{"type": "service_account", "client_email": "wallet@example.iam.gserviceaccount.com",
		"private_key_id": "k1", "private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}))})
	saFile := write("sa.json", sa)
	badSAFile := write("bad-sa.json", []byte(`{"type":"service_account"}`))

	cfgWith := func(w config.Wallet) config.Config {
		c := config.Defaults()
		w.Organization = "Example"
		c.Wallet, c.Notify.PublicURL = w, "https://tickets.example.com"
		return c
	}
	var logs bytes.Buffer
	dev, err := newWallet(cfgWith(config.Wallet{}), noTickets{}, clk, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil || !dev.Apple().Dev() || !dev.Google().Dev() {
		t.Fatalf("default wallet: %v", err)
	}
	for _, want := range []string{"Apple Wallet passes are signed with a development certificate", "Google Wallet links are signed with a development key"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, logs.String())
		}
	}
	real := config.Wallet{PassTypeID: "pass.com.example.tickets", TeamID: "ABCDE12345", CertFile: certFile, KeyFile: keyFile, WWDRFile: wwdrFile,
		GoogleServiceAccount: saFile, GoogleIssuerID: "3388000000022222222"}
	w, err := newWallet(cfgWith(real), noTickets{}, clk, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if w.Apple().Dev() || w.Google().Dev() || w.Google().Issuer != "wallet@example.iam.gserviceaccount.com" || len(w.Apple().Chain()) != 1 ||
		w.Google().Origins[0] != "https://tickets.example.com" {
		t.Errorf("configured wallet: apple dev %v, google %+v", w.Apple().Dev(), w.Google())
	}

	bad := func(edit func(*config.Wallet)) config.Config {
		c := real
		edit(&c)
		return cfgWith(c)
	}
	for name, c := range map[string]struct {
		cfg  config.Config
		want string
	}{
		"missing certificate":            {bad(func(w *config.Wallet) { w.CertFile = filepath.Join(dir, "nope.pem") }), "--wallet-cert"},
		"missing key":                    {bad(func(w *config.Wallet) { w.KeyFile = filepath.Join(dir, "nope.key") }), "--wallet-key"},
		"key of another certificate":     {bad(func(w *config.Wallet) { w.KeyFile = wrongKeyFile }), "not the key of the pass certificate"},
		"key where the certificate goes": {bad(func(w *config.Wallet) { w.CertFile = keyFile }), "--wallet-cert"},
		"WWDR that did not issue it":     {bad(func(w *config.Wallet) { w.WWDRFile = certFile }), "WWDR"},
		"missing service account":        {bad(func(w *config.Wallet) { w.GoogleServiceAccount = filepath.Join(dir, "nope.json") }), "--google-wallet-service-account"},
		"service account without a key":  {bad(func(w *config.Wallet) { w.GoogleServiceAccount = badSAFile }), "--google-wallet-service-account"},
	} {
		_, err := newWallet(c.cfg, noTickets{}, clk, slog.New(slog.DiscardHandler))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error saying %q", name, err, c.want)
		}
	}
}

// noTickets stands in for booking: these tests make no passes.
type noTickets struct{}

func (noTickets) Ticket(context.Context, account.User, string) (booking.Ticket, error) {
	return booking.Ticket{}, apperr.E(apperr.NotFound, "no such ticket")
}
