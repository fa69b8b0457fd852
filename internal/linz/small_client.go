package linz

import (
	"context"
	"encoding/json"
	"sync/atomic"
)

// maxSmallLive bounds a small-event client's holds plus paid orders: the
// event has six places, and the clients should keep taking them from
// each other rather than sit on them.
const maxSmallLive = 2

// smallLoop is a buyer (and, for sales and refunds, the organizer) on the
// small event until budget is spent.
func (c *client) smallLoop(ctx context.Context, budget *atomic.Int64) {
	for ctx.Err() == nil && budget.Add(-1) >= 0 {
		live := len(c.smallHolds) + len(c.smallOrders)
		switch c.pick(
			on(live < maxSmallLive, 40),    // hold
			on(len(c.smallHolds) > 0, 15),  // release
			on(len(c.smallHolds) > 0, 15),  // order
			on(len(c.smallHolds) > 0, 5),   // declined order
			on(len(c.smallOrders) > 0, 20), // refund
			20,                             // sales
		) {
		case 0:
			c.smallHold(ctx)
		case 1:
			c.smallRelease(ctx, c.rng.IntN(len(c.smallHolds)))
		case 2:
			c.smallOrder(ctx, c.rng.IntN(len(c.smallHolds)), false)
		case 3:
			c.smallOrder(ctx, c.rng.IntN(len(c.smallHolds)), true)
		case 4:
			c.smallRefund(ctx, c.rng.IntN(len(c.smallOrders)))
		case 5:
			c.readSales(ctx)
		}
	}
}

func (c *client) smallHold(ctx context.Context) {
	d := c.d
	o := Op{Event: "small", Kind: Hold, Mode: HoldMode(c.rng.IntN(3)), Qty: 1 + c.rng.IntN(2)}
	var body map[string]any
	switch o.Mode {
	case Exact:
		perm := c.rng.Perm(RowPlaces)[:o.Qty]
		for _, p := range perm {
			o.Seats = append(o.Seats, d.row[p])
		}
		body = map[string]any{"seat_ids": o.Seats}
	case GA:
		body = map[string]any{"section": "Floor", "quantity": o.Qty}
	case Best:
		body = map[string]any{"best_available": true, "section": "Pair", "quantity": o.Qty}
	}
	a := c.send(ctx, &o, "POST", "/api/v1/events/"+d.smallEvent+"/holds", c.token, body, 201, "seats_unavailable")
	if o.Result == OK {
		var h holdAnswer
		if json.Unmarshal(a.body, &h) != nil || h.Hold.ID == "" || len(h.Hold.Seats) != o.Qty {
			reject(&o, a, "a hold of another size")
		} else {
			o.GotHold = h.Hold.ID
			for _, s := range h.Hold.Seats {
				o.GotSeats = append(o.GotSeats, s.ID)
			}
			c.smallHolds = append(c.smallHolds, smallHold{h.Hold.ID, o.GotSeats})
		}
	}
	c.save(ctx, o)
}

func (c *client) smallRelease(ctx context.Context, i int) {
	h := c.smallHolds[i]
	o := Op{Event: "small", Kind: Release, Seats: h.seats, HoldID: h.id}
	c.send(ctx, &o, "DELETE", "/api/v1/holds/"+h.id, c.token, nil, 204, "hold_not_active")
	c.smallHolds = remove(c.smallHolds, i)
	c.save(ctx, o)
}

func (c *client) smallOrder(ctx context.Context, i int, declined bool) {
	h := c.smallHolds[i]
	o := Op{Event: "small", Kind: Order, Seats: h.seats, HoldID: h.id}
	token := "tok_visa"
	if declined {
		o.Kind, token = OrderDeclined, "tok_chargeDeclined"
	}
	a := c.send(ctx, &o, "POST", "/api/v1/orders", c.token, map[string]string{"hold_id": h.id, "payment_token": token}, 201, "hold_not_active")
	switch {
	case o.Result == OK:
		var r orderAnswer
		if declined || json.Unmarshal(a.body, &r) != nil || r.Order.ID == "" || r.Order.Status != "paid" {
			reject(&o, a, "an order that is not paid")
			break
		}
		o.GotOrder = r.Order.ID
		c.smallHolds = remove(c.smallHolds, i)
		c.smallOrders = append(c.smallOrders, smallHold{r.Order.ID, h.seats})
	case o.Result == Declined && !declined:
		reject(&o, a, "a valid card declined")
	case o.Result == Declined:
	default:
		c.smallHolds = remove(c.smallHolds, i)
	}
	c.save(ctx, o)
}

func (c *client) smallRefund(ctx context.Context, i int) {
	p := c.smallOrders[i]
	o := Op{Event: "small", Kind: Refund, Seats: p.seats, OrderID: p.id}
	a := c.send(ctx, &o, "POST", "/api/v1/orders/"+p.id+"/refund", c.d.admin, nil, 200, "conflict")
	c.smallOrders = remove(c.smallOrders, i)
	if o.Result == OK {
		var r orderAnswer
		if json.Unmarshal(a.body, &r) != nil || r.Order.Status != "refunded" {
			reject(&o, a, "a refund that is not refunded")
		}
	}
	c.save(ctx, o)
}

func (c *client) readSales(ctx context.Context) {
	o := Op{Event: "small", Kind: ReadSales}
	a := c.send(ctx, &o, "GET", "/api/v1/admin/events/"+c.d.smallEvent+"/sales", c.d.admin, nil, 200)
	if o.Result == OK {
		var s struct{ Capacity, Available, Held, Sold int }
		if json.Unmarshal(a.body, &s) != nil {
			reject(&o, a, "not sales")
		}
		o.Sales = [4]int{s.Capacity, s.Available, s.Held, s.Sold}
	}
	c.save(ctx, o)
}
