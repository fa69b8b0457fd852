package booking

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"log/slog"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/failpoint"
	"github.com/boxoffice/boxoffice/internal/payment"
)

// DefaultHoldTTL is how long a hold keeps its seats: five minutes to pay.
const DefaultHoldTTL = 5 * time.Minute

// MaxQuantity bounds one hold, whatever the event's ticket limit.
const MaxQuantity = 100

// payingUntil is the seat expiry while an order is in payment: far enough
// that the hold cannot expire under a charge (invariant 5). If the process
// dies mid-payment, the reconcile job settles the order and moves it back.
var payingUntil = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// Service holds the booking rules.
type Service struct {
	store    Store
	payments payment.Provider
	clock    clock.Clock
	holdTTL  time.Duration
	signer   Signer
	log      *slog.Logger
	metrics  Observer
	plans    *planCache
	shared   *sharedSnapshots
	gate     QueueGate
	commits  *committer
	fail     *failpoint.Set
}

// Observer is told about business events, for metrics. Its methods must be
// cheap and safe for concurrent use.
type Observer interface {
	HoldPlaced(eventID string, seats int)
	OrderPaid(eventID string, tickets int, totalCents int64)
	Refunded(eventID string)
	CheckedIn(eventID string)
	HoldsExpired(n int)
}

type nopObserver struct{}

func (nopObserver) HoldPlaced(string, int)       {}
func (nopObserver) OrderPaid(string, int, int64) {}
func (nopObserver) Refunded(string)              {}
func (nopObserver) CheckedIn(string)             {}
func (nopObserver) HoldsExpired(int)             {}

// Options configure a Service.
type Options struct {
	HoldTTL  time.Duration
	Secret   []byte // signs barcodes; shared by every instance
	Log      *slog.Logger
	Observer Observer
	// Gate checks queue passes for events whose waiting room is on; with
	// none, such events sell to nobody.
	Gate QueueGate
	// GroupCommit batches each event's holds and checkouts into shared
	// transactions (groupcommit.go).
	GroupCommit GroupCommit
	// SnapshotMaxAge is how old a shared snapshot may get before it is
	// read again (see SharedSnapshot); 0 means DefaultSnapshotMaxAge.
	SnapshotMaxAge time.Duration
	// Failpoints crash the process at chosen steps of a hold, a checkout
	// or a refund, for the crash test; nil (always, in production) does
	// nothing.
	Failpoints *failpoint.Set
}

// QueueGate decides whether a buyer may hold seats at an event whose
// waiting room is on. Booking declares it and package queue implements
// it, so the rules of selling do not depend on how the queue works.
type QueueGate interface {
	Check(userID, eventID, pass string, now time.Time) error
}

// closedGate is the gate of a service built without a waiting room.
type closedGate struct{}

func (closedGate) Check(string, string, string, time.Time) error {
	return apperr.E(apperr.QueuePassRequired, "this event has a waiting room, and this server runs none")
}

// NewService wires the booking rules.
func NewService(store Store, payments payment.Provider, clk clock.Clock, o Options) *Service {
	if o.HoldTTL <= 0 {
		o.HoldTTL = DefaultHoldTTL
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	if o.Gate == nil {
		o.Gate = closedGate{}
	}
	if o.SnapshotMaxAge <= 0 {
		o.SnapshotMaxAge = DefaultSnapshotMaxAge
	}
	return &Service{store: store, payments: payments, clock: clk, holdTTL: o.HoldTTL,
		signer: Signer{key: o.Secret}, log: o.Log, metrics: o.Observer, plans: newPlanCache(),
		shared: newSharedSnapshots(clk, o.SnapshotMaxAge), gate: o.Gate, commits: newCommitter(store, o.GroupCommit),
		fail: o.Failpoints}
}

// Signer signs and checks ticket barcodes with HMAC-SHA256, so a barcode
// cannot be forged or altered without the server's secret.
type Signer struct{ key []byte }

const barcodePrefix = "BO1-"

// Barcode returns the signed barcode of a ticket id.
func (s Signer) Barcode(ticketID string) string {
	return barcodePrefix + ticketID + "-" + s.mac(ticketID)
}

func (s Signer) mac(ticketID string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(barcodePrefix + ticketID))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// Verify returns the ticket id of a genuine barcode.
func (s Signer) Verify(barcode string) (string, bool) {
	rest, ok := strings.CutPrefix(barcode, barcodePrefix)
	i := strings.LastIndexByte(rest, '-')
	if !ok || i < 0 {
		return "", false
	}
	id, sig := rest[:i], rest[i+1:]
	if subtle.ConstantTimeCompare([]byte(sig), []byte(s.mac(id))) != 1 {
		return "", false
	}
	return id, true
}
