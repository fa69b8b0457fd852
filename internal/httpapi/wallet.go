package httpapi

import (
	"net/http"

	"github.com/boxoffice/boxoffice/internal/account"
)

// applePass serves the signed Apple Wallet pass of one of the caller's
// own valid tickets; a phone opens it straight into Wallet.
func (s *Server) applePass(w http.ResponseWriter, r *http.Request, by account.User) error {
	b, err := s.Wallet.ApplePass(r.Context(), by, r.PathValue("id"))
	if err != nil {
		return err
	}
	writePass(w, b)
	return nil
}

// writePass sends a .pkpass: private (it is someone's ticket), never
// stored by caches, and named so a browser saves it as a pass.
func writePass(w http.ResponseWriter, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/vnd.apple.pkpass")
	h.Set("Content-Disposition", `attachment; filename="ticket.pkpass"`)
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// googleWallet answers the "Save to Google Wallet" link of one of the
// caller's own valid tickets.
func (s *Server) googleWallet(w http.ResponseWriter, r *http.Request, by account.User) error {
	u, err := s.Wallet.GoogleSaveURL(r.Context(), by, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"url": u})
	return nil
}
