package account

import (
	"context"
	"fmt"
	"strings"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// UpdateProfile changes what a user says about themselves: their name,
// their phone number, or both. A nil field stays as it is; phone "" takes
// the number away. Either every change is valid and made, or none is: a
// bad phone number does not let a new name through half-done.
//
// A user changes only their own profile (u is the signed-in user), so
// there is nothing to authorize; e-mail, password and role are not part of
// it.
func (s *Service) UpdateProfile(ctx context.Context, u User, name, phone *string) (User, error) {
	var f apperr.Fields
	if name != nil {
		n := strings.TrimSpace(*name)
		checkName(&f, n)
		name = &n
	}
	if phone != nil {
		p := strings.TrimSpace(*phone)
		checkPhone(&f, p)
		phone = &p
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
	if name == nil && phone == nil {
		return u, nil
	}
	updated, err := s.store.UpdateProfile(ctx, u.ID, name, phone)
	if err != nil {
		return User{}, fmt.Errorf("update profile: %w", err)
	}
	return updated, nil
}
