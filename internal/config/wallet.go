package config

import (
	"flag"
	"fmt"
	"regexp"
)

// Wallet configures the Apple Wallet passes and Google Wallet links of
// tickets. Left empty, passes are signed with a development certificate
// and key made at start-up (iPhones and Google refuse them), so the
// embedded default needs no Apple or Google account.
type Wallet struct {
	// Organization is the pass's organizationName and the issuer's name.
	Organization string
	// PassTypeID and TeamID name the Apple pass type the certificate is for.
	PassTypeID string
	TeamID     string
	// CertFile and KeyFile are the Pass Type ID certificate and its
	// private key, PEM; WWDRFile the Apple WWDR intermediate that issued
	// it, PEM. All empty: development signing.
	CertFile string
	KeyFile  string
	WWDRFile string
	// GoogleServiceAccount is the service account key file (JSON) of the
	// Google Wallet issuer GoogleIssuerID. Both empty: a development key.
	GoogleServiceAccount string
	GoogleIssuerID       string
}

func (w *Wallet) flags(fs *flag.FlagSet) {
	fs.StringVar(&w.Organization, "wallet-organization", w.Organization, "organization name on wallet passes")
	fs.StringVar(&w.PassTypeID, "wallet-pass-type-id", w.PassTypeID, "Apple pass type identifier (pass.com.example.tickets) of --wallet-cert")
	fs.StringVar(&w.TeamID, "wallet-team-id", w.TeamID, "Apple developer team id of --wallet-cert")
	fs.StringVar(&w.CertFile, "wallet-cert", w.CertFile, "Apple Pass Type ID certificate, PEM (empty: a development certificate made at start-up)")
	fs.StringVar(&w.KeyFile, "wallet-key", w.KeyFile, "private key of --wallet-cert, PEM (unencrypted)")
	fs.StringVar(&w.WWDRFile, "wallet-wwdr", w.WWDRFile, "Apple WWDR intermediate certificate that issued --wallet-cert, PEM")
	fs.StringVar(&w.GoogleServiceAccount, "google-wallet-service-account", w.GoogleServiceAccount, "Google service account key file (JSON) of the Wallet issuer (empty: a development key made at start-up)")
	fs.StringVar(&w.GoogleIssuerID, "google-wallet-issuer-id", w.GoogleIssuerID, "Google Wallet issuer id of --google-wallet-service-account")
}

var (
	passTypeIDRE = regexp.MustCompile(`^pass\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$`)
	teamIDRE     = regexp.MustCompile(`^[A-Z0-9]{10}$`)
	issuerIDRE   = regexp.MustCompile(`^[0-9]{1,32}$`)
)

// validate checks that the parts given belong together; whether the files
// hold what they should is checked when they are read, at start-up.
func (w Wallet) validate() error {
	if w.Organization == "" {
		return fmt.Errorf("--wallet-organization must not be empty")
	}
	if (w.CertFile == "") != (w.KeyFile == "") {
		return fmt.Errorf("--wallet-cert and --wallet-key go together: give both, or neither for development signing")
	}
	if w.CertFile == "" && (w.WWDRFile != "" || w.PassTypeID != "" || w.TeamID != "") {
		return fmt.Errorf("--wallet-wwdr, --wallet-pass-type-id and --wallet-team-id need --wallet-cert and --wallet-key")
	}
	if w.CertFile != "" {
		if !passTypeIDRE.MatchString(w.PassTypeID) {
			return fmt.Errorf("--wallet-cert needs --wallet-pass-type-id, like pass.com.example.tickets")
		}
		if !teamIDRE.MatchString(w.TeamID) {
			return fmt.Errorf("--wallet-cert needs --wallet-team-id, the ten letters and digits of the Apple team")
		}
	}
	if (w.GoogleServiceAccount == "") != (w.GoogleIssuerID == "") {
		return fmt.Errorf("--google-wallet-service-account and --google-wallet-issuer-id go together: give both, or neither for a development key")
	}
	if w.GoogleIssuerID != "" && !issuerIDRE.MatchString(w.GoogleIssuerID) {
		return fmt.Errorf("--google-wallet-issuer-id must be the digits of the Google Wallet issuer")
	}
	return nil
}
