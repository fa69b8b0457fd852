package app

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/wallet"
)

// newWallet builds the tickets' wallet passes: signed with the configured
// Apple certificate and Google service account, or, when none is set, with
// a development certificate and key made now, in memory, which says so in
// the log. A file that cannot be read or does not hold what its flag says
// stops start-up, naming the flag.
func newWallet(cfg config.Config, tickets wallet.Tickets, clk clock.Clock, log *slog.Logger) (*wallet.Service, error) {
	w := cfg.Wallet
	origins := []string{cfg.Notify.PublicURL}
	var apple *wallet.AppleSigner
	if w.CertFile == "" {
		var err error
		if apple, err = wallet.NewDevAppleSigner(w.Organization, clk.Now()); err != nil {
			return nil, fmt.Errorf("wallet: development certificate: %w", err)
		}
		log.Warn("wallet: Apple Wallet passes are signed with a development certificate made at start-up; iPhones will refuse them (set --wallet-cert, --wallet-key, --wallet-wwdr)",
			"pass_type_id", apple.PassTypeID)
	} else {
		read := func(flag, path string) ([]byte, error) {
			if path == "" {
				return nil, nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("--%s: %w", flag, err)
			}
			return b, nil
		}
		cert, err := read("wallet-cert", w.CertFile)
		if err != nil {
			return nil, err
		}
		key, err := read("wallet-key", w.KeyFile)
		if err != nil {
			return nil, err
		}
		wwdr, err := read("wallet-wwdr", w.WWDRFile)
		if err != nil {
			return nil, err
		}
		if apple, err = wallet.NewAppleSigner(w.PassTypeID, w.TeamID, w.Organization, cert, key, wwdr); err != nil {
			return nil, fmt.Errorf("--wallet-cert %s: %w", w.CertFile, err)
		}
		if wwdr == nil {
			log.Warn("wallet: no --wallet-wwdr: passes carry no WWDR intermediate, and devices without it cannot check them")
		}
	}
	var google *wallet.GoogleSigner
	if w.GoogleServiceAccount == "" {
		var err error
		if google, err = wallet.NewDevGoogleSigner(w.Organization, origins); err != nil {
			return nil, fmt.Errorf("wallet: development Google key: %w", err)
		}
		log.Warn("wallet: Save to Google Wallet links are signed with a development key made at start-up; Google will refuse them (set --google-wallet-service-account, --google-wallet-issuer-id)")
	} else {
		sa, err := os.ReadFile(w.GoogleServiceAccount)
		if err != nil {
			return nil, fmt.Errorf("--google-wallet-service-account: %w", err)
		}
		if google, err = wallet.NewGoogleSigner(sa, w.GoogleIssuerID, w.Organization, origins); err != nil {
			return nil, fmt.Errorf("--google-wallet-service-account %s: %w", w.GoogleServiceAccount, err)
		}
	}
	return wallet.NewService(tickets, apple, google, clk)
}
