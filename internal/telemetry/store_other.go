package telemetry

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/idempotency"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// CatalogStore times and traces a catalog.Store.
func (t *Telemetry) CatalogStore(s catalog.Store) catalog.Store {
	return &catalogStore{Store: s, t: t, createVenue: t.dbOp("catalog.create_venue"), venue: t.dbOp("catalog.venue"),
		venues: t.dbOp("catalog.venues"), createEvent: t.dbOp("catalog.create_event"),
		updateEvent: t.dbOp("catalog.update_event"), event: t.dbOp("catalog.event"),
		events: t.dbOp("catalog.events"), available: t.dbOp("catalog.count_available")}
}

type catalogStore struct {
	catalog.Store
	t                                                                              *Telemetry
	createVenue, venue, venues, createEvent, updateEvent, event, events, available *dbOp
}

func (s *catalogStore) CreateVenue(ctx context.Context, v catalog.Venue, seats []catalog.VenueSeat) error {
	return timed0(s.t, ctx, s.createVenue, "", func(ctx context.Context) error { return s.Store.CreateVenue(ctx, v, seats) })
}

func (s *catalogStore) Venue(ctx context.Context, id string) (catalog.Venue, error) {
	return timed(s.t, ctx, s.venue, "", func(ctx context.Context) (catalog.Venue, error) { return s.Store.Venue(ctx, id) })
}

func (s *catalogStore) Venues(ctx context.Context, q catalog.VenueQuery) ([]catalog.Venue, error) {
	return timed(s.t, ctx, s.venues, "", func(ctx context.Context) ([]catalog.Venue, error) { return s.Store.Venues(ctx, q) })
}

func (s *catalogStore) CreateEvent(ctx context.Context, e catalog.Event) error {
	return timed0(s.t, ctx, s.createEvent, e.ID, func(ctx context.Context) error { return s.Store.CreateEvent(ctx, e) })
}

func (s *catalogStore) UpdateEvent(ctx context.Context, e catalog.Event) error {
	return timed0(s.t, ctx, s.updateEvent, e.ID, func(ctx context.Context) error { return s.Store.UpdateEvent(ctx, e) })
}

func (s *catalogStore) Event(ctx context.Context, id string) (catalog.Event, error) {
	return timed(s.t, ctx, s.event, id, func(ctx context.Context) (catalog.Event, error) { return s.Store.Event(ctx, id) })
}

func (s *catalogStore) Events(ctx context.Context, q catalog.EventQuery) ([]catalog.Event, error) {
	return timed(s.t, ctx, s.events, "", func(ctx context.Context) ([]catalog.Event, error) { return s.Store.Events(ctx, q) })
}

func (s *catalogStore) CountAvailable(ctx context.Context, eventID string, now time.Time) (int, error) {
	return timed(s.t, ctx, s.available, eventID, func(ctx context.Context) (int, error) {
		return s.Store.CountAvailable(ctx, eventID, now)
	})
}

// AccountStore times and traces an account.Store. UserBySession runs on
// every signed-in request, so its latency is worth a panel of its own.
func (t *Telemetry) AccountStore(s account.Store) account.Store {
	return &accountStore{Store: s, t: t, createUser: t.dbOp("account.create_user"), byEmail: t.dbOp("account.user_by_email"),
		createSession: t.dbOp("account.create_session"), bySession: t.dbOp("account.user_by_session"),
		deleteSession: t.dbOp("account.delete_session"), updateProfile: t.dbOp("account.update_profile")}
}

type accountStore struct {
	account.Store
	t                                                                           *Telemetry
	createUser, byEmail, createSession, bySession, deleteSession, updateProfile *dbOp
}

func (s *accountStore) CreateUser(ctx context.Context, u account.User, passwordHash string) error {
	return timed0(s.t, ctx, s.createUser, "", func(ctx context.Context) error { return s.Store.CreateUser(ctx, u, passwordHash) })
}

func (s *accountStore) UserByEmail(ctx context.Context, email string) (account.User, string, error) {
	type found struct {
		u    account.User
		hash string
	}
	f, err := timed(s.t, ctx, s.byEmail, "", func(ctx context.Context) (found, error) {
		u, hash, err := s.Store.UserByEmail(ctx, email)
		return found{u, hash}, err
	})
	return f.u, f.hash, err
}

func (s *accountStore) CreateSession(ctx context.Context, se account.Session) error {
	return timed0(s.t, ctx, s.createSession, "", func(ctx context.Context) error { return s.Store.CreateSession(ctx, se) })
}

func (s *accountStore) UserBySession(ctx context.Context, tokenHash string, now time.Time) (account.User, error) {
	return timed(s.t, ctx, s.bySession, "", func(ctx context.Context) (account.User, error) {
		return s.Store.UserBySession(ctx, tokenHash, now)
	})
}

func (s *accountStore) DeleteSession(ctx context.Context, tokenHash string) error {
	return timed0(s.t, ctx, s.deleteSession, "", func(ctx context.Context) error { return s.Store.DeleteSession(ctx, tokenHash) })
}

func (s *accountStore) UpdateProfile(ctx context.Context, userID string, name, phone *string) (account.User, error) {
	return timed(s.t, ctx, s.updateProfile, "", func(ctx context.Context) (account.User, error) {
		return s.Store.UpdateProfile(ctx, userID, name, phone)
	})
}

// IdempotencyStore times and traces an idempotency.Store: every create
// request with an Idempotency-Key claims and finishes a key.
func (t *Telemetry) IdempotencyStore(s idempotency.Store) idempotency.Store {
	return &idempotencyStore{Store: s, t: t, claim: t.dbOp("idempotency.claim"), finish: t.dbOp("idempotency.finish"),
		release: t.dbOp("idempotency.release"), renew: t.dbOp("idempotency.renew"), purge: t.dbOp("idempotency.purge")}
}

type idempotencyStore struct {
	idempotency.Store
	t                                    *Telemetry
	claim, finish, release, renew, purge *dbOp
}

func (s *idempotencyStore) ClaimKey(ctx context.Context, userID, key, requestHash string, now time.Time) (idempotency.Record, bool, error) {
	type claim struct {
		rec     idempotency.Record
		claimed bool
	}
	c, err := timed(s.t, ctx, s.claim, "", func(ctx context.Context) (claim, error) {
		rec, claimed, err := s.Store.ClaimKey(ctx, userID, key, requestHash, now)
		return claim{rec, claimed}, err
	})
	return c.rec, c.claimed, err
}

func (s *idempotencyStore) FinishKey(ctx context.Context, userID, key string, status int, contentType string, body []byte) error {
	return timed0(s.t, ctx, s.finish, "", func(ctx context.Context) error {
		return s.Store.FinishKey(ctx, userID, key, status, contentType, body)
	})
}

func (s *idempotencyStore) ReleaseKey(ctx context.Context, userID, key string) error {
	return timed0(s.t, ctx, s.release, "", func(ctx context.Context) error { return s.Store.ReleaseKey(ctx, userID, key) })
}

func (s *idempotencyStore) RenewKey(ctx context.Context, userID, key string, from, to time.Time) (bool, error) {
	return timed(s.t, ctx, s.renew, "", func(ctx context.Context) (bool, error) { return s.Store.RenewKey(ctx, userID, key, from, to) })
}

func (s *idempotencyStore) PurgeKeys(ctx context.Context, before time.Time) (int, error) {
	return timed(s.t, ctx, s.purge, "", func(ctx context.Context) (int, error) { return s.Store.PurgeKeys(ctx, before) })
}

// Outbox times and traces a notify.Outbox (the outbox job's store calls).
func (t *Telemetry) Outbox(s notify.Outbox) notify.Outbox {
	return &outbox{Outbox: s, t: t, claim: t.dbOp("outbox.claim_due"), sent: t.dbOp("outbox.mark_sent"), failed: t.dbOp("outbox.mark_failed"),
		dead: t.dbOp("outbox.mark_dead")}
}

type outbox struct {
	notify.Outbox
	t                         *Telemetry
	claim, sent, failed, dead *dbOp
}

func (s *outbox) MarkDead(ctx context.Context, id string, at time.Time, reason string) error {
	return timed0(s.t, ctx, s.dead, "", func(ctx context.Context) error { return s.Outbox.MarkDead(ctx, id, at, reason) })
}

func (s *outbox) ClaimDue(ctx context.Context, now, lease time.Time, limit int) ([]notify.Message, error) {
	return timed(s.t, ctx, s.claim, "", func(ctx context.Context) ([]notify.Message, error) {
		return s.Outbox.ClaimDue(ctx, now, lease, limit)
	})
}

func (s *outbox) MarkSent(ctx context.Context, ids []string, at time.Time) error {
	return timed0(s.t, ctx, s.sent, "", func(ctx context.Context) error { return s.Outbox.MarkSent(ctx, ids, at) })
}

func (s *outbox) MarkFailed(ctx context.Context, id string, next time.Time, reason string) error {
	return timed0(s.t, ctx, s.failed, "", func(ctx context.Context) error { return s.Outbox.MarkFailed(ctx, id, next, reason) })
}
