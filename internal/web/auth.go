package web

import (
	"net/http"

	"github.com/boxoffice/boxoffice/internal/account"
)

type authForm struct{ Next, Email, Name string }

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "login", view{Title: "Sign in", Data: authForm{Next: safeNext(r.URL.Query().Get("next"))}})
	return nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	f := authForm{Next: safeNext(r.PostFormValue("next")), Email: r.PostFormValue("email")}
	if err := s.limit(r, "POST /api/v1/auth/login", f.Email, ""); err != nil {
		_, msg := message(err)
		s.render(w, r, http.StatusTooManyRequests, "login", view{Title: "Sign in", Error: msg, Data: f})
		return nil
	}
	_, tok, err := s.Accounts.Login(r.Context(), f.Email, r.PostFormValue("password"))
	if err != nil {
		_, msg := message(err)
		s.render(w, r, http.StatusUnauthorized, "login", view{Title: "Sign in", Error: msg, Data: f})
		return nil
	}
	s.startSession(w, r, tok)
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
	return nil
}

func (s *Server) signupPage(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "signup", view{Title: "Sign up", Data: authForm{Next: safeNext(r.URL.Query().Get("next"))}})
	return nil
}

func (s *Server) signup(w http.ResponseWriter, r *http.Request) error {
	f := authForm{Next: safeNext(r.PostFormValue("next")), Email: r.PostFormValue("email"), Name: r.PostFormValue("name")}
	if err := s.limit(r, "POST /api/v1/auth/register", f.Email, ""); err != nil {
		_, msg := message(err)
		s.render(w, r, http.StatusTooManyRequests, "signup", view{Title: "Sign up", Error: msg, Data: f})
		return nil
	}
	_, tok, err := s.Accounts.Register(r.Context(), account.Registration{Email: f.Email, Password: r.PostFormValue("password"), Name: f.Name})
	if err != nil {
		code, msg := message(err)
		s.render(w, r, statusFor(code), "signup", view{Title: "Sign up", Error: msg, Data: f})
		return nil
	}
	s.startSession(w, r, tok)
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if tok := s.sessionToken(r); tok != "" {
		if err := s.Accounts.Logout(r.Context(), tok); err != nil {
			return err
		}
	}
	s.endSession(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// limit applies Deps.Limit, when there is one.
func (s *Server) limit(r *http.Request, route, email, userID string) error {
	if s.Limit == nil {
		return nil
	}
	return s.Limit(r, route, email, userID)
}
