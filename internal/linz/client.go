package linz

import (
	"context"
	"math/rand/v2"
)

// client is one buyer: one request at a time, only on its own holds and
// orders (refunds with the admin's token), so that what it knows of them
// is exact and the model may hold it to it.
type client struct {
	d     *driver
	id    int
	token string
	rng   *rand.Rand

	// the seats event
	active, released, converted []seatHold
	paid, refunded              []seatOrder
	// the small event
	smallHolds  []smallHold
	smallOrders []smallHold
}

type seatHold struct{ id, seat string }
type seatOrder struct{ id, seat, hold string }
type smallHold struct {
	id    string
	seats []string
}

// maxLive bounds a seats client's active holds plus paid orders, far
// under the event's per-buyer limit of 100, so ticket_limit_exceeded never
// comes into it.
const maxLive = 3

// maxTerminal bounds the released and converted holds and refunded
// orders a client remembers to read or act on again.
const maxTerminal = 8

func keep[T any](s []T, v T) []T {
	s = append(s, v)
	if len(s) > maxTerminal {
		s = s[1:]
	}
	return s
}

func remove[T any](s []T, i int) []T { return append(s[:i:i], s[i+1:]...) }

// send runs one request as o and fills in its times and result; okStatus
// is the status of success and conflicts the problem codes of a refusal.
// The caller reads the answer into o and then records it with save.
func (c *client) send(ctx context.Context, o *Op, method, path, token string, body any, okStatus int, conflicts ...string) answer {
	inst := c.rng.IntN(len(c.d.cfg.Bases))
	o.Client = c.id
	o.Call = c.d.now()
	a := c.d.call(ctx, inst, method, path, token, body)
	o.Return = c.d.now()
	if !classify(o, a, okStatus, conflicts...) {
		o.unexpected = true
	}
	if o.Result == Ambiguous {
		// The write may still take effect after this (a batch that commits
		// after its client gave up, an order the reconcile job settles).
		o.Return = Never
	}
	return a
}

// save records o, unless the run was stopping when it went out (then a
// lost answer is the run's doing, not the server's).
func (c *client) save(ctx context.Context, o Op) {
	if ctx.Err() != nil && (o.Result == Ambiguous || o.unexpected) {
		return
	}
	c.d.record(o, o.unexpected)
}

// reject marks o as an answer that did not say what it should have.
func reject(o *Op, a answer, why string) {
	o.unexpected = true
	o.Code = why + ": " + string(a.body)
}

// pick returns an index of a weighted choice; weights of 0 are never chosen.
func (c *client) pick(weights ...int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := c.rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

func on(cond bool, w int) int {
	if cond {
		return w
	}
	return 0
}

type holdAnswer struct {
	Hold struct {
		ID      string `json:"id"`
		Status  string `json:"status"`
		OrderID string `json:"order_id"`
		Seats   []struct {
			ID string `json:"id"`
		} `json:"seats"`
	} `json:"hold"`
}

type orderAnswer struct {
	Order struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"order"`
}
