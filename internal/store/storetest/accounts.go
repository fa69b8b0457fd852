package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/ids"
)

func exerciseAccounts(t *testing.T, newStore func(t *testing.T) Engine) {
	parallel(t, newStore, map[string]func(t *testing.T, s Engine){
		"CreateUserRoundTrip":        testCreateUserRoundTrip,
		"DuplicateEmailIsEmailTaken": testDuplicateEmail,
		"UserByEmailNotFound":        testUserByEmailNotFound,
		"UserBySessionHonoursExpiry": testSessionExpiry,
		"DeleteSessionSignsOneOut":   testDeleteSession,
		"PingAnswers":                testPing,
		"UpdateProfileSetsOnlyGiven": testUpdateProfile,
		"UpdateProfileUnknownUser":   testUpdateProfileNotFound,
	})
}

func testCreateUserRoundTrip(t *testing.T, s Engine) {
	ctx := context.Background()
	u := account.User{ID: ids.New("usr"), Email: "ada@example.com", Name: "Ada Lovelace", Role: account.RoleStaff,
		Phone: "+442071234567", CreatedAt: now.Add(123 * time.Millisecond)}
	if err := s.CreateUser(ctx, u, "argon2id$hash"); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	got, hash, err := s.UserByEmail(ctx, "ada@example.com")
	if err != nil {
		t.Fatalf("UserByEmail: %v", err)
	}
	if hash != "argon2id$hash" {
		t.Errorf("password hash = %q, want %q", hash, "argon2id$hash")
	}
	if got.ID != u.ID || got.Email != u.Email || got.Name != u.Name || got.Role != u.Role || got.Phone != u.Phone || !got.CreatedAt.Equal(u.CreatedAt) {
		t.Errorf("UserByEmail = %+v, want %+v", got, u)
	}
	// The session's user, the one every signed-in request sees, carries
	// the phone too: checkout falls back to it for an SMS confirmation.
	se := account.Session{TokenHash: ids.New("tok"), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.CreateSession(ctx, se); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if got, err := s.UserBySession(ctx, se.TokenHash, now); err != nil || got.Phone != u.Phone || got.Name != u.Name {
		t.Errorf("UserBySession = %+v, %v; want phone %q", got, err, u.Phone)
	}
}

func testUpdateProfile(t *testing.T, s Engine) {
	ctx := context.Background()
	u := newUser(t, s)
	str := func(v string) *string { return &v }
	steps := []struct {
		name, phone         *string
		wantName, wantPhone string
	}{
		{phone: str("+14155550100"), wantName: u.Name, wantPhone: "+14155550100"},
		{name: str("Grace Hopper"), wantName: "Grace Hopper", wantPhone: "+14155550100"},
		{name: str("Grace B. Hopper"), phone: str("+33142685300"), wantName: "Grace B. Hopper", wantPhone: "+33142685300"},
		{phone: str(""), wantName: "Grace B. Hopper", wantPhone: ""},
		{wantName: "Grace B. Hopper", wantPhone: ""}, // nothing to change is no change
	}
	for i, st := range steps {
		got, err := s.UpdateProfile(ctx, u.ID, st.name, st.phone)
		if err != nil {
			t.Fatalf("step %d: UpdateProfile: %v", i, err)
		}
		if got.ID != u.ID || got.Email != u.Email || got.Role != u.Role || !got.CreatedAt.Equal(u.CreatedAt) ||
			got.Name != st.wantName || got.Phone != st.wantPhone {
			t.Errorf("step %d: UpdateProfile returned %+v; want name %q, phone %q and the rest unchanged", i, got, st.wantName, st.wantPhone)
		}
		stored, _, err := s.UserByEmail(ctx, u.Email)
		if err != nil || stored.Name != st.wantName || stored.Phone != st.wantPhone {
			t.Errorf("step %d: stored user %+v, %v; want name %q, phone %q", i, stored, err, st.wantName, st.wantPhone)
		}
	}
}

func testUpdateProfileNotFound(t *testing.T, s Engine) {
	name := "Nobody"
	_, err := s.UpdateProfile(context.Background(), "usr_nobody", &name, nil)
	if got := apperr.CodeOf(err); got != apperr.NotFound {
		t.Errorf("UpdateProfile(unknown user): code %q (err %v), want %q", got, err, apperr.NotFound)
	}
}

func testDuplicateEmail(t *testing.T, s Engine) {
	ctx := context.Background()
	first := newUser(t, s)
	for _, email := range []string{first.Email, strings.ToUpper(first.Email)} {
		dup := account.User{ID: ids.New("usr"), Email: email, Name: "Someone else", Role: account.RoleCustomer, CreatedAt: now}
		err := s.CreateUser(ctx, dup, "other-hash")
		if got := apperr.CodeOf(err); got != apperr.EmailTaken {
			t.Errorf("CreateUser with e-mail %q taken by another user: code %q (err %v), want %q", email, got, err, apperr.EmailTaken)
		}
	}
	// The first account is untouched.
	got, hash, err := s.UserByEmail(ctx, first.Email)
	if err != nil || got.ID != first.ID || hash != "hash-"+first.ID {
		t.Errorf("UserByEmail after duplicates = %+v, %q, %v; want the first user", got, hash, err)
	}
}

func testUserByEmailNotFound(t *testing.T, s Engine) {
	newUser(t, s)
	_, _, err := s.UserByEmail(context.Background(), "nobody@example.com")
	if got := apperr.CodeOf(err); got != apperr.NotFound {
		t.Errorf("UserByEmail(unknown): code %q (err %v), want %q", got, err, apperr.NotFound)
	}
}

func testSessionExpiry(t *testing.T, s Engine) {
	ctx := context.Background()
	u := newUser(t, s)
	se := account.Session{TokenHash: ids.New("tok"), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.CreateSession(ctx, se); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	for _, tc := range []struct {
		at    time.Time
		valid bool
	}{
		{now, true},
		{now.Add(time.Hour - time.Millisecond), true},
		{now.Add(time.Hour), false}, // a session ends at ExpiresAt
		{now.Add(48 * time.Hour), false},
	} {
		got, err := s.UserBySession(ctx, se.TokenHash, tc.at)
		switch {
		case tc.valid && (err != nil || got.ID != u.ID || got.Email != u.Email || got.Role != u.Role):
			t.Errorf("UserBySession at %v = %+v, %v; want user %s", tc.at, got, err, u.ID)
		case !tc.valid && apperr.CodeOf(err) != apperr.NotFound:
			t.Errorf("UserBySession at %v (expired) = %+v, %v; want %q", tc.at, got, err, apperr.NotFound)
		}
	}
	if _, err := s.UserBySession(ctx, "no-such-token", now); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("UserBySession(unknown token): %v, want %q", err, apperr.NotFound)
	}
}

func testDeleteSession(t *testing.T, s Engine) {
	ctx := context.Background()
	u := newUser(t, s)
	a := account.Session{TokenHash: ids.New("tok"), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	b := account.Session{TokenHash: ids.New("tok"), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	for _, se := range []account.Session{a, b} {
		if err := s.CreateSession(ctx, se); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
	}
	if err := s.DeleteSession(ctx, a.TokenHash); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	if _, err := s.UserBySession(ctx, a.TokenHash, now); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("UserBySession after DeleteSession: %v, want %q", err, apperr.NotFound)
	}
	if got, err := s.UserBySession(ctx, b.TokenHash, now); err != nil || got.ID != u.ID {
		t.Errorf("UserBySession of the other session = %+v, %v; want user %s still signed in", got, err, u.ID)
	}
	if err := s.DeleteSession(ctx, a.TokenHash); err != nil {
		t.Errorf("DeleteSession twice: %v, want nil (signing out is idempotent)", err)
	}
}

func testPing(t *testing.T, s Engine) {
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}
