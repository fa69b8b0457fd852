package config

import (
	"io"
	"strings"
	"testing"
)

// Wallet settings: none means development signing; a real certificate
// needs its key, pass type and team; Google's file needs its issuer; and
// each refusal names the flag to fix. Variables work as flags do.
func TestWalletConfig(t *testing.T) {
	t.Parallel()
	none := func(string) string { return "" }
	c, err := Parse("serve", nil, none, io.Discard)
	if err != nil || c.Wallet != (Wallet{Organization: "Boxoffice"}) {
		t.Fatalf("default wallet %+v, %v", c.Wallet, err)
	}
	real := []string{"--wallet-cert", "c.pem", "--wallet-key", "k.pem", "--wallet-wwdr", "w.pem",
		"--wallet-pass-type-id", "pass.com.example.tickets", "--wallet-team-id", "ABCDE12345",
		"--google-wallet-service-account", "sa.json", "--google-wallet-issuer-id", "3388000000022222222"}
	c, err = Parse("serve", real, none, io.Discard)
	if err != nil || c.Wallet.CertFile != "c.pem" || c.Wallet.GoogleIssuerID != "3388000000022222222" {
		t.Fatalf("real wallet %+v, %v", c.Wallet, err)
	}
	env := map[string]string{"BOXOFFICE_WALLET_CERT": "c.pem", "BOXOFFICE_WALLET_KEY": "k.pem",
		"BOXOFFICE_WALLET_PASS_TYPE_ID": "pass.com.example.tickets", "BOXOFFICE_WALLET_TEAM_ID": "ABCDE12345"}
	if c, err := Parse("serve", nil, func(k string) string { return env[k] }, io.Discard); err != nil || c.Wallet.KeyFile != "k.pem" {
		t.Errorf("wallet from the environment %+v, %v", c.Wallet, err)
	}
	for _, bad := range []struct {
		args []string
		flag string
	}{
		{[]string{"--wallet-cert", "c.pem"}, "--wallet-key"},
		{[]string{"--wallet-key", "k.pem"}, "--wallet-cert"},
		{[]string{"--wallet-wwdr", "w.pem"}, "--wallet-cert"},
		{[]string{"--wallet-cert", "c.pem", "--wallet-key", "k.pem", "--wallet-team-id", "ABCDE12345"}, "--wallet-pass-type-id"},
		{[]string{"--wallet-cert", "c.pem", "--wallet-key", "k.pem", "--wallet-pass-type-id", "pass.com.example.tickets", "--wallet-team-id", "abc"}, "--wallet-team-id"},
		{[]string{"--google-wallet-service-account", "sa.json"}, "--google-wallet-issuer-id"},
		{[]string{"--google-wallet-service-account", "sa.json", "--google-wallet-issuer-id", "issuer"}, "--google-wallet-issuer-id"},
		{[]string{"--wallet-organization", ""}, "--wallet-organization"},
	} {
		_, err := Parse("serve", bad.args, none, io.Discard)
		if err == nil || !strings.Contains(err.Error(), bad.flag) {
			t.Errorf("Parse(%v) = %v; want an error naming %s", bad.args, err, bad.flag)
		}
	}
}
