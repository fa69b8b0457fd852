package web

import "net/http"

// applePass serves the signed Apple Wallet pass of one of the buyer's own
// valid tickets: Safari on an iPhone opens it straight into Wallet.
func (s *Server) applePass(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireUser(r)
	if err != nil {
		return err
	}
	b, err := s.Wallet.ApplePass(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.apple.pkpass")
	h.Set("Content-Disposition", `attachment; filename="ticket.pkpass"`)
	h.Set("Cache-Control", "private, no-store")
	_, _ = w.Write(b)
	return nil
}

// googleWallet sends the buyer on to Google with a JWT signed now, for one
// of their own valid tickets. The page links here rather than to Google
// directly so that listing tickets signs nothing, and a link copied from
// the page is only a way back to this check.
func (s *Server) googleWallet(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireUser(r)
	if err != nil {
		return err
	}
	link, err := s.Wallet.GoogleSaveURL(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "private, no-store")
	http.Redirect(w, r, link, http.StatusSeeOther)
	return nil
}
