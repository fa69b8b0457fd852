package web

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Live pages work the same on one instance or many: each instance polls
// the shared database for what its own open pages follow, and pushes the
// differences to them over Server-Sent Events. Nothing is sent between
// instances, so a seat held through any instance shows on every page
// within one poll interval plus the push. A poll reads the taken seats
// only (booking.Service.Snapshot), and an expired hold is computed as
// available at read time, so expiry shows without any job running.
//
// A feed exists only while some page follows it: the first subscriber
// starts its poller and the last one to leave stops it. The number of
// feeds is bounded; past the bound a page gets no live updates (its
// EventSource retries) rather than the instance polling without limit.

// errTooManyFeeds is returned when the instance follows too many feeds.
var errTooManyFeeds = errors.New("too many live feeds")

// feedSource reads a feed's current state and says what changed.
type feedSource struct {
	// read returns the current state.
	read func(ctx context.Context) ([]byte, error)
	// diff returns the message that takes a page from old to cur, or nil if
	// nothing changed.
	diff func(old, cur []byte) []byte
	// full is the message that gives a page the whole state.
	full func(state []byte) sseMessage
}

// sseMessage is one Server-Sent Event.
type sseMessage struct {
	event string
	data  []byte
}

type feed struct {
	key   string
	src   feedSource
	subs  map[*subscription]struct{}
	state []byte // last state read; nil until the first read
	stop  context.CancelFunc
}

// subscription is one open page's stream.
type subscription struct {
	ch   chan sseMessage
	feed *feed
	// gone is closed when the hub drops a subscriber that fell behind or
	// the hub shuts down; the page's EventSource then reconnects.
	gone chan struct{}
	once sync.Once
}

func (s *subscription) drop() { s.once.Do(func() { close(s.gone) }) }

type hub struct {
	interval time.Duration
	max      int
	log      *slog.Logger

	mu     sync.Mutex
	feeds  map[string]*feed
	closed bool
	wg     sync.WaitGroup
}

func newHub(interval time.Duration, max int, log *slog.Logger) *hub {
	return &hub{interval: interval, max: max, log: log, feeds: map[string]*feed{}}
}

// subscribe follows the feed key, starting its poller if it is the first
// subscriber. The first message a subscription receives is the full
// current state (full(state)); the next ones are differences.
func (h *hub) subscribe(key string, src feedSource) (*subscription, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errTooManyFeeds
	}
	f, ok := h.feeds[key]
	if !ok {
		if len(h.feeds) >= h.max {
			return nil, errTooManyFeeds
		}
		var ctx context.Context
		f = &feed{key: key, src: src, subs: map[*subscription]struct{}{}}
		ctx, f.stop = context.WithCancel(context.Background())
		h.feeds[key] = f
		h.wg.Add(1)
		go h.poll(ctx, f)
	}
	sub := &subscription{ch: make(chan sseMessage, 64), feed: f, gone: make(chan struct{})}
	f.subs[sub] = struct{}{}
	if f.state != nil {
		sub.ch <- f.src.full(f.state)
	}
	return sub, nil
}

// unsubscribe stops following; the last subscriber stops the poller.
func (h *hub) unsubscribe(sub *subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := sub.feed
	delete(f.subs, sub)
	sub.drop()
	if len(f.subs) == 0 && h.feeds[f.key] == f {
		delete(h.feeds, f.key)
		f.stop()
	}
}

// poll reads the feed at once and then every interval, and sends each
// subscriber the full state first and the differences after.
func (h *hub) poll(ctx context.Context, f *feed) {
	defer h.wg.Done()
	t := time.NewTicker(h.interval)
	defer t.Stop()
	for {
		cur, err := f.src.read(ctx)
		if err != nil && ctx.Err() == nil {
			h.log.Warn("live feed read failed", "feed", f.key, "err", err)
		}
		if err == nil {
			h.mu.Lock()
			var msg sseMessage
			if f.state == nil {
				msg = f.src.full(cur)
			} else if d := f.src.diff(f.state, cur); d != nil {
				msg = sseMessage{event: "change", data: d}
			}
			f.state = cur
			if msg.event != "" {
				for sub := range f.subs {
					select {
					case sub.ch <- msg:
					default:
						// The page fell behind: drop it; it reconnects and
						// starts again from a full state.
						sub.drop()
					}
				}
			}
			h.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// close ends every stream and poller: the server is shutting down.
func (h *hub) close() {
	h.mu.Lock()
	h.closed = true
	for _, f := range h.feeds {
		for sub := range f.subs {
			sub.drop()
		}
		f.stop()
	}
	h.mu.Unlock()
	h.wg.Wait()
}

// feeds returns how many feeds are being polled, for tests.
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.feeds)
}
