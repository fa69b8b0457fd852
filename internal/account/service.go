package account

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/ids"
)

// SessionTTL is how long a token stays valid after sign-in.
const SessionTTL = 30 * 24 * time.Hour

// Service holds the account rules.
type Service struct {
	store  Store
	hasher *Hasher
	clock  clock.Clock
	// dummyHash is verified when an e-mail is unknown, so a failed login
	// takes as long whether or not the account exists.
	dummyHash string
}

// NewService wires the account rules to a store.
func NewService(store Store, hasher *Hasher, clk clock.Clock) *Service {
	s := &Service{store: store, hasher: hasher, clock: clk}
	s.dummyHash, _ = hasher.Hash(context.Background(), "not a real password")
	return s
}

// Registration is a sign-up or an admin-made account.
type Registration struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
	Role     Role   `json:"role,omitempty"`
	// Phone is optional: where SMS confirmations go, E.164.
	Phone string `json:"phone,omitempty"`
}

func (r *Registration) validate(roleAllowed bool) error {
	var f apperr.Fields
	r.Email = strings.TrimSpace(r.Email)
	r.Name = strings.TrimSpace(r.Name)
	r.Phone = strings.TrimSpace(r.Phone)
	if a, err := mail.ParseAddress(r.Email); err != nil || a.Address != r.Email || len(r.Email) > 254 {
		f.Add("email", "must be a valid e-mail address")
	}
	if n := utf8.RuneCountInString(r.Password); n < 8 || n > 256 {
		f.Add("password", "must be between 8 and 256 characters")
	}
	checkName(&f, r.Name)
	checkPhone(&f, r.Phone)
	if roleAllowed {
		if r.Role == "" {
			r.Role = RoleCustomer
		}
		if !r.Role.Valid() {
			f.Add("role", "must be one of customer, staff, admin")
		}
	} else {
		r.Role = RoleCustomer
	}
	return f.Err()
}

func checkName(f *apperr.Fields, name string) {
	if name == "" || utf8.RuneCountInString(name) > 200 {
		f.Add("name", "must be between 1 and 200 characters")
	}
}

// checkPhone accepts "" (no phone) or an E.164 number.
func checkPhone(f *apperr.Fields, phone string) {
	if phone != "" && !ValidPhone(phone) {
		f.Add("phone", phoneMessage)
	}
}

func (s *Service) create(ctx context.Context, r Registration) (User, error) {
	hash, err := s.hasher.Hash(ctx, r.Password)
	if err != nil {
		return User{}, fmt.Errorf("hash password: %w", err)
	}
	u := User{ID: ids.New("usr"), Email: strings.ToLower(r.Email), Name: r.Name, Role: r.Role, Phone: r.Phone, CreatedAt: s.clock.Now()}
	if err := s.store.CreateUser(ctx, u, hash); err != nil {
		return User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// Register signs a new customer up and signs them in.
func (s *Service) Register(ctx context.Context, r Registration) (User, string, error) {
	if err := r.validate(false); err != nil {
		return User{}, "", err
	}
	u, err := s.create(ctx, r)
	if err != nil {
		return User{}, "", err
	}
	tok, err := s.newSession(ctx, u.ID)
	return u, tok, err
}

// CreateUser makes an account with any role; the caller must be an admin.
func (s *Service) CreateUser(ctx context.Context, by User, r Registration) (User, error) {
	if !by.IsAdmin() {
		return User{}, apperr.E(apperr.Forbidden, "only an admin can create users")
	}
	if err := r.validate(true); err != nil {
		return User{}, err
	}
	return s.create(ctx, r)
}

// EnsureAdmin creates the bootstrap admin if no user has that e-mail yet.
func (s *Service) EnsureAdmin(ctx context.Context, email, password string) error {
	if _, _, err := s.store.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(email))); err == nil {
		return nil
	} else if !apperr.Is(err, apperr.NotFound) {
		return err
	}
	r := Registration{Email: email, Password: password, Name: "Administrator", Role: RoleAdmin}
	if err := r.validate(true); err != nil {
		return fmt.Errorf("bootstrap admin: %w", err)
	}
	_, err := s.create(ctx, r)
	if apperr.Is(err, apperr.EmailTaken) { // another instance won the race
		return nil
	}
	return err
}

// Login checks credentials and returns a new token. Wrong e-mail and wrong
// password give the same answer, after the same amount of work.
func (s *Service) Login(ctx context.Context, email, password string) (User, string, error) {
	bad := apperr.E(apperr.Unauthorized, "wrong e-mail or password")
	u, hash, err := s.store.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if apperr.Is(err, apperr.NotFound) {
		_, _ = s.hasher.Verify(ctx, password, s.dummyHash)
		return User{}, "", bad
	}
	if err != nil {
		return User{}, "", fmt.Errorf("find user: %w", err)
	}
	ok, err := s.hasher.Verify(ctx, password, hash)
	if err != nil {
		return User{}, "", fmt.Errorf("verify password: %w", err)
	}
	if !ok {
		return User{}, "", bad
	}
	tok, err := s.newSession(ctx, u.ID)
	return u, tok, err
}

// Authenticate returns the user a token belongs to, or apperr.Unauthorized.
func (s *Service) Authenticate(ctx context.Context, token string) (User, error) {
	if token == "" || len(token) > 200 {
		return User{}, apperr.E(apperr.Unauthorized, "missing or invalid token")
	}
	u, err := s.store.UserBySession(ctx, HashToken(token), s.clock.Now())
	if apperr.Is(err, apperr.NotFound) {
		return User{}, apperr.E(apperr.Unauthorized, "missing or invalid token")
	}
	return u, err
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.store.DeleteSession(ctx, HashToken(token))
}

func (s *Service) newSession(ctx context.Context, userID string) (string, error) {
	tok := "bo_" + base64.RawURLEncoding.EncodeToString(ids.Secret(32))
	now := s.clock.Now()
	err := s.store.CreateSession(ctx, Session{TokenHash: HashToken(tok), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)})
	if err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return tok, nil
}

// HashToken is the stored form of a token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
