package queue

import (
	"context"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/internal/catalog"
)

// eventTTL is how long the waiting room trusts an event it read. A poll
// would otherwise read the whole event (venue, prices, add-ons) to learn
// five settings that change once a day; a second-old copy is as good.
const eventTTL = time.Second

// eventCache keeps recently read events for the polls and joins of a
// flash crowd. It decides nothing by itself: every decision is taken
// against the state row, under its lock.
type eventCache struct {
	src Events
	mu  sync.Mutex
	m   map[string]cachedEvent
}

type cachedEvent struct {
	e  catalog.Event
	at time.Time
}

func newEventCache(src Events) *eventCache { return &eventCache{src: src, m: map[string]cachedEvent{}} }

// maxCachedEvents bounds the cache; past it, it starts again.
const maxCachedEvents = 1024

func (c *eventCache) Event(ctx context.Context, id string) (catalog.Event, error) {
	now := time.Now()
	c.mu.Lock()
	ce, ok := c.m[id]
	c.mu.Unlock()
	if ok && now.Sub(ce.at) < eventTTL {
		return ce.e, nil
	}
	return c.Fresh(ctx, id)
}

// Fresh reads the event from the catalog, and caches it. The draw and
// joins near the opening use it: a second-old on-sale time would put the
// frontier's start, or a join's phase, on the wrong side of a change.
func (c *eventCache) Fresh(ctx context.Context, id string) (catalog.Event, error) {
	now := time.Now()
	e, err := c.src.Event(ctx, id)
	if err != nil {
		return e, err
	}
	e.Venue, e.Prices, e.AddOns = nil, nil, nil // not needed here, and not to be shared
	c.mu.Lock()
	if len(c.m) >= maxCachedEvents {
		clear(c.m)
	}
	c.m[id] = cachedEvent{e: e, at: now}
	c.mu.Unlock()
	return e, nil
}
