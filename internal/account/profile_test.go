package account_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/clock"
)

// memStore is an account.Store in a map: enough for the rules, which is
// all these tests look at (the engines pass storetest).
type memStore struct {
	mu      sync.Mutex
	users   map[string]account.User
	updates int
}

func newMemStore() *memStore { return &memStore{users: map[string]account.User{}} }

func (m *memStore) CreateUser(_ context.Context, u account.User, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users[u.ID] = u
	return nil
}

func (m *memStore) UserByEmail(context.Context, string) (account.User, string, error) {
	return account.User{}, "", apperr.E(apperr.NotFound, "no such user")
}

func (m *memStore) CreateSession(context.Context, account.Session) error { return nil }

func (m *memStore) UserBySession(context.Context, string, time.Time) (account.User, error) {
	return account.User{}, apperr.E(apperr.NotFound, "no such session")
}

func (m *memStore) DeleteSession(context.Context, string) error { return nil }

func (m *memStore) UpdateProfile(_ context.Context, id string, name, phone *string) (account.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.updates++
	u, ok := m.users[id]
	if !ok {
		return account.User{}, apperr.E(apperr.NotFound, "no such user")
	}
	if name != nil {
		u.Name = *name
	}
	if phone != nil {
		u.Phone = *phone
	}
	m.users[id] = u
	return u, nil
}

func newService(t *testing.T) (*account.Service, *memStore) {
	t.Helper()
	st := newMemStore()
	return account.NewService(st, account.NewTestHasher(), clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))), st
}

func fieldsOf(err error) []string {
	e, ok := apperr.As(err)
	if !ok {
		return nil
	}
	var fs []string
	for _, f := range e.Fields {
		fs = append(fs, f.Field)
	}
	return fs
}

func TestValidPhone(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"+14155550100":      true,
		"+442071234567":     true,
		"+15005550006":      true,
		"+123456789012345":  true,  // 15 digits, E.164's most
		"+1234567890123456": false, // 16
		"+1234567":          true,
		"+123456":           false,
		"14155550100":       false, // no plus
		"+04155550100":      false, // no country code starts with 0
		"+1 415 555 0100":   false, // E.164 has no spaces (NormalizePhone takes them out)
		"+1415555010a":      false,
		"":                  false,
		"+14155550100\n":    false,
	} {
		if got := account.ValidPhone(s); got != want {
			t.Errorf("ValidPhone(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		" +1 (415) 555-0100 ": "+14155550100",
		"+44 20.7123.4567":    "+442071234567",
		"+14155550100":        "+14155550100",
		"0044 20 7123 4567":   "00442071234567", // no country code is guessed
		"":                    "",
	} {
		if got := account.NormalizePhone(in); got != want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRegisterPhone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		phone, want string
		wantField   bool
	}{
		{"", "", false},
		{"+14155550100", "+14155550100", false},
		{"  +14155550100 ", "+14155550100", false},
		{"4155550100", "", true},
		{"+1 415 555 0100", "", true},
	} {
		svc, st := newService(t)
		u, _, err := svc.Register(context.Background(), account.Registration{Email: "ann@example.com", Password: "long-enough", Name: "Ann", Phone: tc.phone})
		switch {
		case tc.wantField:
			if fs := fieldsOf(err); len(fs) != 1 || fs[0] != "phone" {
				t.Errorf("Register with phone %q: %v (fields %v), want a validation error on phone", tc.phone, err, fs)
			}
			if len(st.users) != 0 {
				t.Errorf("Register with phone %q stored a user", tc.phone)
			}
		case err != nil:
			t.Errorf("Register with phone %q: %v", tc.phone, err)
		case u.Phone != tc.want || st.users[u.ID].Phone != tc.want:
			t.Errorf("Register with phone %q: user phone %q, stored %q; want %q", tc.phone, u.Phone, st.users[u.ID].Phone, tc.want)
		}
	}
}

func TestUpdateProfile(t *testing.T) {
	t.Parallel()
	str := func(s string) *string { return &s }
	for _, tc := range []struct {
		name        string
		newName     *string
		newPhone    *string
		wantName    string
		wantPhone   string
		wantFields  []string
		wantUpdates int
	}{
		{name: "phone only", newPhone: str("+14155550100"), wantName: "Ann", wantPhone: "+14155550100", wantUpdates: 1},
		{name: "name only", newName: str("  Ann Lee "), wantName: "Ann Lee", wantPhone: "+33142685300", wantUpdates: 1},
		{name: "clear the phone", newPhone: str(""), wantName: "Ann", wantPhone: "", wantUpdates: 1},
		{name: "nothing", wantName: "Ann", wantPhone: "+33142685300"},
		{name: "bad phone changes nothing", newName: str("Ann Lee"), newPhone: str("555-0100"),
			wantName: "Ann", wantPhone: "+33142685300", wantFields: []string{"phone"}},
		{name: "empty name", newName: str("  "), wantName: "Ann", wantPhone: "+33142685300", wantFields: []string{"name"}},
		{name: "both bad", newName: str(strings.Repeat("n", 201)), newPhone: str("+0"),
			wantName: "Ann", wantPhone: "+33142685300", wantFields: []string{"name", "phone"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, st := newService(t)
			u, _, err := svc.Register(context.Background(), account.Registration{Email: "ann@example.com", Password: "long-enough", Name: "Ann", Phone: "+33142685300"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := svc.UpdateProfile(context.Background(), u, tc.newName, tc.newPhone)
			if tc.wantFields != nil {
				if fs := fieldsOf(err); strings.Join(fs, ",") != strings.Join(tc.wantFields, ",") || apperr.CodeOf(err) != apperr.Invalid {
					t.Errorf("UpdateProfile: %v (fields %v), want validation_failed on %v", err, fs, tc.wantFields)
				}
			} else if err != nil || got.Name != tc.wantName || got.Phone != tc.wantPhone {
				t.Errorf("UpdateProfile = %+v, %v; want name %q phone %q", got, err, tc.wantName, tc.wantPhone)
			}
			if s := st.users[u.ID]; s.Name != tc.wantName || s.Phone != tc.wantPhone {
				t.Errorf("stored %+v; want name %q phone %q", s, tc.wantName, tc.wantPhone)
			}
			if st.updates != tc.wantUpdates {
				t.Errorf("%d store updates, want %d", st.updates, tc.wantUpdates)
			}
		})
	}
}
