package sqlite

import (
	"context"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/store"
)

var _ account.Store = (*Store)(nil)

// CreateUser inserts a user; a taken e-mail is apperr.EmailTaken.
func (s *Store) CreateUser(ctx context.Context, u account.User, hash string) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO users (id, email, name, role, phone, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.Name, string(u.Role), u.Phone, hash, store.Millis(u.CreatedAt))
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed: users.email") {
		return apperr.E(apperr.EmailTaken, "an account with this e-mail already exists")
	}
	return err
}

// UserByEmail finds a user and password hash by e-mail.
func (s *Store) UserByEmail(ctx context.Context, email string) (account.User, string, error) {
	var u account.User
	var hash string
	var created int64
	err := s.r.QueryRowContext(ctx, `SELECT id, email, name, role, phone, password_hash, created_at FROM users WHERE email = ?`, email).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Phone, &hash, &created)
	u.CreatedAt = store.Time(created)
	return u, hash, notFound(err, "user")
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, se account.Session) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		se.TokenHash, se.UserID, store.Millis(se.CreatedAt), store.Millis(se.ExpiresAt))
	return err
}

// UserBySession finds the user of an unexpired session.
func (s *Store) UserBySession(ctx context.Context, tokenHash string, now time.Time) (account.User, error) {
	var u account.User
	var created int64
	err := s.r.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.role, u.phone, u.created_at FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ?`, tokenHash, store.Millis(now)).Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Phone, &created)
	u.CreatedAt = store.Time(created)
	return u, notFound(err, "session")
}

// DeleteSession removes a session.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	return err
}

// UpdateProfile sets a user's name and phone, each unless nil.
func (s *Store) UpdateProfile(ctx context.Context, userID string, name, phone *string) (account.User, error) {
	var u account.User
	var created int64
	err := s.w.QueryRowContext(ctx, `UPDATE users SET name = COALESCE(?, name), phone = COALESCE(?, phone) WHERE id = ?
		RETURNING id, email, name, role, phone, created_at`, name, phone, userID).Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Phone, &created)
	u.CreatedAt = store.Time(created)
	return u, notFound(err, "user")
}
