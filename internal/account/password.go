package account

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/boxoffice/boxoffice/internal/ids"
)

// Hasher hashes passwords with argon2id (OWASP's recommended parameters:
// 19 MiB, 2 passes, 1 lane). Each hash takes ~19 MiB for tens of
// milliseconds, so a burst of sign-ups could exhaust memory; the semaphore
// caps how many run at once and makes the rest wait their turn.
type Hasher struct {
	memoryKiB uint32
	time      uint32
	sem       chan struct{}
}

// NewHasher returns a hasher that runs at most parallel hashes at once.
func NewHasher(parallel int) *Hasher {
	if parallel < 1 {
		parallel = 1
	}
	return &Hasher{memoryKiB: 19 * 1024, time: 2, sem: make(chan struct{}, parallel)}
}

// NewTestHasher is a cheap hasher for tests that create many users.
func NewTestHasher() *Hasher {
	return &Hasher{memoryKiB: 64, time: 1, sem: make(chan struct{}, 8)}
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Hash returns the PHC-format argon2id hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer func() { <-h.sem }()
	salt := ids.Secret(16)
	key := argon2.IDKey([]byte(password), salt, h.time, h.memoryKiB, 1, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=1$%s$%s", argon2.Version, h.memoryKiB, h.time,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether password matches encoded, in constant time. The
// parameters come from the stored hash, so older hashes keep working when
// the defaults change.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("unknown password hash format")
	}
	var mem, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil {
		return false, fmt.Errorf("parse hash parameters: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("decode salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("decode key: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer func() { <-h.sem }()
	got := argon2.IDKey([]byte(password), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
