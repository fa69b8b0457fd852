// Package account owns users, roles, password hashing and API tokens.
package account

import (
	"context"
	"time"
)

// Role decides what a user may do.
type Role string

// The three roles of the contract.
const (
	RoleCustomer Role = "customer"
	RoleStaff    Role = "staff"
	RoleAdmin    Role = "admin"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	return r == RoleCustomer || r == RoleStaff || r == RoleAdmin
}

// User is a person who can sign in.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  Role   `json:"role"`
	// Phone is where SMS confirmations go (E.164), "" when none was given.
	Phone     string    `json:"phone,omitempty"`
	CreatedAt time.Time `json:"-"`
}

// IsAdmin reports whether u may manage venues, events and refunds.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin }

// CanCheckIn reports whether u may scan tickets at the gate.
func (u User) CanCheckIn() bool { return u.Role == RoleStaff || u.Role == RoleAdmin }

// Session is a signed-in token. Only the SHA-256 of the token is stored, so a
// leaked database does not hand out live credentials.
type Session struct {
	TokenHash string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Store is what the account rules need from persistence.
type Store interface {
	// CreateUser inserts u; an existing e-mail (case-insensitive) is apperr.EmailTaken.
	CreateUser(ctx context.Context, u User, passwordHash string) error
	// UserByEmail returns the user and password hash, or apperr.NotFound.
	UserByEmail(ctx context.Context, email string) (User, string, error)
	// CreateSession stores a session.
	CreateSession(ctx context.Context, s Session) error
	// UserBySession returns the user of an unexpired session, or apperr.NotFound.
	UserBySession(ctx context.Context, tokenHash string, now time.Time) (User, error)
	// DeleteSession signs a token out.
	DeleteSession(ctx context.Context, tokenHash string) error
	// UpdateProfile sets the name and the phone of a user, each only when
	// it is not nil, in one statement (so two changes at once do not undo
	// each other's field), and returns the user as stored; apperr.NotFound
	// when there is no such user.
	UpdateProfile(ctx context.Context, userID string, name, phone *string) (User, error)
}
