package httpapi

import (
	"net/http"

	"github.com/boxoffice/boxoffice/internal/account"
)

type authResponse struct {
	Token string       `json:"token"`
	User  account.User `json:"user"`
}

type userResponse struct {
	User account.User `json:"user"`
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Name     string `json:"name"`
		Phone    string `json:"phone"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, tok, err := s.Accounts.Register(r.Context(), account.Registration{Email: in.Email, Password: in.Password, Name: in.Name, Phone: in.Phone})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, authResponse{Token: tok, User: u})
	return nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, tok, err := s.Accounts.Login(r.Context(), in.Email, in.Password)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, authResponse{Token: tok, User: u})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ account.User) error {
	if err := s.Accounts.Logout(r.Context(), stateFrom(r.Context()).token); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, _ *http.Request, u account.User) error {
	writeJSON(w, http.StatusOK, userResponse{User: u})
	return nil
}

// updateMe is PATCH /me: the caller changes their own name or phone. An
// absent (or null) field stays as it is, "phone": "" removes the number.
func (s *Server) updateMe(w http.ResponseWriter, r *http.Request, u account.User) error {
	var in struct {
		Name  *string `json:"name"`
		Phone *string `json:"phone"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, err := s.Accounts.UpdateProfile(r.Context(), u, in.Name, in.Phone)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userResponse{User: u})
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, by account.User) error {
	var in account.Registration
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, err := s.Accounts.CreateUser(r.Context(), by, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, userResponse{User: u})
	return nil
}
