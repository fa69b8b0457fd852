package telemetry

import (
	"cmp"
	"context"
	"database/sql"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// Bounds of the per-event gauges: event_id is the only label whose values
// come from data, so the collector reports at most maxEvents events, all on
// sale now, found among at most maxScan upcoming events.
const (
	maxEvents = 50
	maxScan   = 2000
	// statsTTL is how long a snapshot of the figures is reused: counting the
	// seats of an 80,000-seat event is a real query, and Prometheus may
	// scrape every few seconds from several servers.
	statsTTL = 10 * time.Second
	// pendingAfter is when a pending order becomes the reconcile job's
	// business: a checkout holds an order pending for the length of one
	// card payment, well under a minute.
	pendingAfter = time.Minute
)

// PoolStats is one database connection pool's use, whatever the engine.
type PoolStats struct {
	Pool         string // "writer", "readers", "primary", …
	Max          int    // 0 means unlimited
	InUse, Idle  int
	WaitCount    int64         // times a caller had to wait for a connection, ever
	WaitDuration time.Duration // total time callers waited, ever
}

// PoolStatsOf converts database/sql's figures.
func PoolStatsOf(pool string, s sql.DBStats) PoolStats {
	return PoolStats{Pool: pool, Max: s.MaxOpenConnections, InUse: s.InUse, Idle: s.Idle, WaitCount: s.WaitCount, WaitDuration: s.WaitDuration}
}

// StatsSource is what the stats collector reads at scrape time.
type StatsSource struct {
	Catalog catalog.Store
	Booking booking.Store
	Now     func() time.Time
	// Pools reports the connection pools; nil when the engine has none to show.
	Pools func() []PoolStats
	// OutboxBacklog reports unsent messages, the oldest one's age and the
	// dead ones; nil when the engine cannot say.
	OutboxBacklog func(ctx context.Context, now time.Time) (notify.Backlog, error)
	// ActiveHolds counts an event's holds that are active (unexpired) or in
	// payment; nil when the engine cannot say.
	ActiveHolds func(ctx context.Context, eventID string, now time.Time) (int, error)
}

// RegisterStats adds the saturation and on-sale gauges that are read from
// the store at scrape time: seats available, held and sold and active holds
// per event on sale, outbox depth and age, orders waiting for
// reconciliation, and connection pool use.
func (t *Telemetry) RegisterStats(src StatsSource) {
	t.Registry.MustRegister(&statsCollector{src: src, log: t.log, ttl: statsTTL})
}

var (
	descOnSale = prometheus.NewDesc("boxoffice_events_on_sale",
		"Events on sale now (the per-event gauges show at most 50 of them, the most recently opened first).", nil, nil)
	descSeats = prometheus.NewDesc("boxoffice_event_seats",
		"Places of an event on sale by state (available, held, sold); available+held+sold is its capacity.", []string{"event_id", "state"}, nil)
	descHolds = prometheus.NewDesc("boxoffice_event_active_holds",
		"Holds of an event on sale that are active or in payment.", []string{"event_id"}, nil)
	descEventInfo = prometheus.NewDesc("boxoffice_event_info",
		"Always 1: the name of an event on sale, for dashboard legends.", []string{"event_id", "name"}, nil)
	descOutboxN = prometheus.NewDesc("boxoffice_outbox_pending_messages",
		"Messages (confirmations) waiting in the outbox.", nil, nil)
	descOutboxDead = prometheus.NewDesc("boxoffice_outbox_dead_messages",
		"Messages given up on after their last attempt (or refused for good); admins see them at GET /api/v1/admin/notifications?status=dead.", nil, nil)
	descOutboxAge = prometheus.NewDesc("boxoffice_outbox_oldest_pending_age_seconds",
		"Age of the oldest message waiting in the outbox; it grows when delivery is stuck.", nil, nil)
	descPending = prometheus.NewDesc("boxoffice_reconcile_pending_orders",
		"Orders still pending payment a minute after they were created: the reconcile job's queue (counted up to 1000).", nil, nil)
	descPoolConns = prometheus.NewDesc("boxoffice_db_pool_connections",
		"Database connections by pool and state (in_use, idle).", []string{"pool", "state"}, nil)
	descPoolMax = prometheus.NewDesc("boxoffice_db_pool_max_connections",
		"Most connections a pool may open (0: unlimited).", []string{"pool"}, nil)
	descPoolWaits = prometheus.NewDesc("boxoffice_db_pool_waits_total",
		"Times a caller had to wait for a free connection.", []string{"pool"}, nil)
	descPoolWaited = prometheus.NewDesc("boxoffice_db_pool_wait_seconds_total",
		"Time callers spent waiting for a connection; its rate is the mean number of callers waiting.", []string{"pool"}, nil)
	descStatsErrors = prometheus.NewDesc("boxoffice_stats_errors_total",
		"Store reads of the stats collector that failed (the gauges they feed are left out of that scrape).", nil, nil)
)

type eventStats struct {
	id, name string
	seats    booking.SeatCounts
	seatsOK  bool
	holds    int
	holdsOK  bool
}

// snapshot is one reading of the store's figures; the *OK fields say which
// reads succeeded.
type snapshot struct {
	at        time.Time
	onSale    int
	eventsOK  bool
	events    []eventStats
	outbox    notify.Backlog
	outboxOK  bool
	pending   int
	pendingOK bool
}

type statsCollector struct {
	src StatsSource
	log *slog.Logger
	ttl time.Duration

	mu     sync.Mutex
	snap   snapshot
	errors int
}

func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOnSale, descSeats, descHolds, descEventInfo, descOutboxN, descOutboxAge, descOutboxDead,
		descPending, descPoolConns, descPoolMax, descPoolWaits, descPoolWaited, descStatsErrors} {
		ch <- d
	}
}

func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	if c.src.Pools != nil {
		for _, p := range c.src.Pools() {
			ch <- prometheus.MustNewConstMetric(descPoolConns, prometheus.GaugeValue, float64(p.InUse), p.Pool, "in_use")
			ch <- prometheus.MustNewConstMetric(descPoolConns, prometheus.GaugeValue, float64(p.Idle), p.Pool, "idle")
			ch <- prometheus.MustNewConstMetric(descPoolMax, prometheus.GaugeValue, float64(p.Max), p.Pool)
			ch <- prometheus.MustNewConstMetric(descPoolWaits, prometheus.CounterValue, float64(p.WaitCount), p.Pool)
			ch <- prometheus.MustNewConstMetric(descPoolWaited, prometheus.CounterValue, p.WaitDuration.Seconds(), p.Pool)
		}
	}
	c.mu.Lock()
	if now := time.Now(); now.Sub(c.snap.at) >= c.ttl {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c.snap = c.read(ctx)
		c.snap.at = now
		cancel()
	}
	s, errs := c.snap, c.errors
	c.mu.Unlock()

	ch <- prometheus.MustNewConstMetric(descStatsErrors, prometheus.CounterValue, float64(errs))
	if s.eventsOK {
		ch <- prometheus.MustNewConstMetric(descOnSale, prometheus.GaugeValue, float64(s.onSale))
	}
	for _, e := range s.events {
		ch <- prometheus.MustNewConstMetric(descEventInfo, prometheus.GaugeValue, 1, e.id, e.name)
		if e.seatsOK {
			ch <- prometheus.MustNewConstMetric(descSeats, prometheus.GaugeValue, float64(e.seats.Available), e.id, "available")
			ch <- prometheus.MustNewConstMetric(descSeats, prometheus.GaugeValue, float64(e.seats.Held), e.id, "held")
			ch <- prometheus.MustNewConstMetric(descSeats, prometheus.GaugeValue, float64(e.seats.Sold), e.id, "sold")
		}
		if e.holdsOK {
			ch <- prometheus.MustNewConstMetric(descHolds, prometheus.GaugeValue, float64(e.holds), e.id)
		}
	}
	if s.outboxOK {
		ch <- prometheus.MustNewConstMetric(descOutboxN, prometheus.GaugeValue, float64(s.outbox.Pending))
		ch <- prometheus.MustNewConstMetric(descOutboxAge, prometheus.GaugeValue, s.outbox.OldestAge.Seconds())
		ch <- prometheus.MustNewConstMetric(descOutboxDead, prometheus.GaugeValue, float64(s.outbox.Dead))
	}
	if s.pendingOK {
		ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(s.pending))
	}
}

// read takes a new snapshot; c.mu is held.
func (c *statsCollector) read(ctx context.Context) snapshot {
	now := c.src.Now()
	var s snapshot
	fail := func(what string, err error) {
		c.errors++
		c.log.WarnContext(ctx, "metrics: cannot read "+what, "err", err)
	}
	onSale, err := c.onSale(ctx, now)
	if err != nil {
		fail("events on sale", err)
	} else {
		s.eventsOK, s.onSale = true, len(onSale)
	}
	for _, e := range onSale[:min(len(onSale), maxEvents)] {
		es := eventStats{id: e.ID, name: e.Name}
		if es.seats, err = c.src.Booking.SeatCounts(ctx, e.ID, now); err != nil {
			fail("seat counts", err)
		} else {
			es.seatsOK = true
		}
		if c.src.ActiveHolds != nil {
			if es.holds, err = c.src.ActiveHolds(ctx, e.ID, now); err != nil {
				fail("active holds", err)
			} else {
				es.holdsOK = true
			}
		}
		s.events = append(s.events, es)
	}
	if c.src.OutboxBacklog != nil {
		if s.outbox, err = c.src.OutboxBacklog(ctx, now); err != nil {
			fail("outbox backlog", err)
		} else {
			s.outboxOK = true
		}
	}
	pending, err := c.src.Booking.PendingOrders(ctx, now.Add(-pendingAfter), 1000)
	if err != nil {
		fail("pending orders", err)
	} else {
		s.pending, s.pendingOK = len(pending), true
	}
	return s
}

// onSale lists the events on sale at now, the most recently opened first:
// an on-sale that just started is what an operator watches, while a film
// showtime that went on sale weeks ago can drop off the list.
func (c *statsCollector) onSale(ctx context.Context, now time.Time) ([]catalog.Event, error) {
	var out []catalog.Event
	q := catalog.EventQuery{From: now, Limit: 500}
	for scanned := 0; scanned < maxScan; {
		evs, err := c.src.Catalog.Events(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			if e.OnSale(now) {
				out = append(out, e)
			}
		}
		scanned += len(evs)
		if len(evs) < q.Limit {
			break
		}
		last := evs[len(evs)-1]
		q.AfterStartsAt, q.AfterID = last.StartsAt, last.ID
	}
	slices.SortStableFunc(out, func(a, b catalog.Event) int {
		return cmp.Or(b.OnsaleAt.Compare(a.OnsaleAt), a.StartsAt.Compare(b.StartsAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}
