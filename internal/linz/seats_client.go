package linz

import (
	"context"
	"encoding/json"
	"sync/atomic"
)

// seatsLoop is a buyer on the seats event until budget is spent.
func (c *client) seatsLoop(ctx context.Context, budget *atomic.Int64) {
	d := c.d
	for ctx.Err() == nil {
		live := len(c.active) + len(c.paid)
		choice := c.pick(
			d.cfg.SeatMapPercent*100/max(1, 100-d.cfg.SeatMapPercent), // seat map
			on(live < maxLive, 40),      // hold
			on(len(c.active) > 0, 12),   // release
			on(len(c.active) > 0, 14),   // order
			on(len(c.active) > 0, 4),    // declined order
			on(len(c.paid) > 0, 12),     // refund
			on(live > 0, 6),             // read a live hold
			on(len(c.paid) > 0, 4),      // read a paid order
			on(len(c.released) > 0, 2),  // release a released hold again
			on(len(c.converted) > 0, 2), // order a converted hold again
			on(len(c.converted) > 0, 2), // read a converted hold
			on(len(c.refunded) > 0, 2),  // refund again / read a refunded order
		)
		if choice == 0 {
			c.readSeatMap(ctx)
			continue
		}
		if budget.Add(-1) < 0 {
			return
		}
		switch choice {
		case 1:
			c.hold(ctx)
		case 2:
			c.release(ctx, c.rng.IntN(len(c.active)))
		case 3, 4:
			c.order(ctx, c.rng.IntN(len(c.active)), choice == 4)
		case 5:
			c.refund(ctx, c.rng.IntN(len(c.paid)))
		case 6:
			if i := c.rng.IntN(live); i < len(c.active) {
				c.readHold(ctx, c.active[i])
			} else {
				p := c.paid[i-len(c.active)]
				c.readHold(ctx, seatHold{p.hold, p.seat})
			}
		case 7:
			c.readOrder(ctx, c.paid[c.rng.IntN(len(c.paid))])
		case 8:
			if i := c.rng.IntN(len(c.released) + len(c.converted)); i < len(c.released) {
				c.releaseAgain(ctx, c.released[i])
			} else {
				c.releaseAgain(ctx, c.converted[i-len(c.released)])
			}
		case 9:
			c.orderAgain(ctx, c.converted[c.rng.IntN(len(c.converted))])
		case 10:
			c.readHold(ctx, c.converted[c.rng.IntN(len(c.converted))])
		case 11:
			r := c.refunded[c.rng.IntN(len(c.refunded))]
			if c.rng.IntN(2) == 0 {
				c.readOrder(ctx, r)
			} else {
				c.refundAgain(ctx, r)
			}
		}
	}
}

func (c *client) hold(ctx context.Context) {
	d := c.d
	seat := d.seats[c.rng.IntN(len(d.seats))]
	o := Op{Event: "seats", Kind: Hold, Seat: seat}
	a := c.send(ctx, &o, "POST", "/api/v1/events/"+d.seatsEvent+"/holds", c.token, map[string]any{"seat_ids": []string{seat}}, 201, "seats_unavailable")
	if o.Result == OK {
		var h holdAnswer
		if json.Unmarshal(a.body, &h) != nil || h.Hold.ID == "" || len(h.Hold.Seats) != 1 || h.Hold.Seats[0].ID != seat {
			reject(&o, a, "a hold of another seat")
		} else {
			o.GotHold, o.GotSeats = h.Hold.ID, []string{seat}
			c.active = append(c.active, seatHold{h.Hold.ID, seat})
		}
	}
	c.save(ctx, o)
}

func (c *client) release(ctx context.Context, i int) {
	h := c.active[i]
	o := Op{Event: "seats", Kind: Release, Seat: h.seat, HoldID: h.id, Effective: true}
	c.send(ctx, &o, "DELETE", "/api/v1/holds/"+h.id, c.token, nil, 204, "hold_not_active")
	c.active = remove(c.active, i)
	if o.Result == OK {
		c.released = keep(c.released, h)
	}
	c.save(ctx, o)
}

func (c *client) releaseAgain(ctx context.Context, h seatHold) {
	o := Op{Event: "seats", Kind: Release, Seat: h.seat, HoldID: h.id}
	c.send(ctx, &o, "DELETE", "/api/v1/holds/"+h.id, c.token, nil, 204, "hold_not_active")
	c.save(ctx, o)
}

func (c *client) order(ctx context.Context, i int, declined bool) {
	h := c.active[i]
	o := Op{Event: "seats", Kind: Order, Seat: h.seat, HoldID: h.id}
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
		c.active = remove(c.active, i)
		c.converted = keep(c.converted, h)
		c.paid = append(c.paid, seatOrder{r.Order.ID, h.seat, h.id})
	case o.Result == Declined && !declined:
		reject(&o, a, "a valid card declined")
	case o.Result == Declined:
		// The hold stays active for another try.
	default:
		c.active = remove(c.active, i) // refused or unknown: leave it be
	}
	c.save(ctx, o)
}

func (c *client) orderAgain(ctx context.Context, h seatHold) {
	o := Op{Event: "seats", Kind: Order, Seat: h.seat, HoldID: h.id}
	a := c.send(ctx, &o, "POST", "/api/v1/orders", c.token, map[string]string{"hold_id": h.id, "payment_token": "tok_visa"}, 201, "hold_not_active")
	if o.Result == OK {
		var r orderAnswer
		if json.Unmarshal(a.body, &r) == nil {
			o.GotOrder = r.Order.ID
		}
	}
	c.save(ctx, o)
}

func (c *client) refund(ctx context.Context, i int) {
	p := c.paid[i]
	o := Op{Event: "seats", Kind: Refund, Seat: p.seat, OrderID: p.id, Effective: true}
	a := c.send(ctx, &o, "POST", "/api/v1/orders/"+p.id+"/refund", c.d.admin, nil, 200, "conflict")
	c.paid = remove(c.paid, i)
	if o.Result == OK {
		var r orderAnswer
		if json.Unmarshal(a.body, &r) != nil || r.Order.Status != "refunded" {
			reject(&o, a, "a refund that is not refunded")
		}
		c.refunded = keep(c.refunded, p)
	}
	c.save(ctx, o)
}

func (c *client) refundAgain(ctx context.Context, p seatOrder) {
	o := Op{Event: "seats", Kind: Refund, Seat: p.seat, OrderID: p.id}
	a := c.send(ctx, &o, "POST", "/api/v1/orders/"+p.id+"/refund", c.d.admin, nil, 200, "conflict")
	if o.Result == OK {
		var r orderAnswer
		if json.Unmarshal(a.body, &r) != nil || r.Order.Status != "refunded" {
			reject(&o, a, "a refund that is not refunded")
		}
	}
	c.save(ctx, o)
}

func (c *client) readHold(ctx context.Context, h seatHold) {
	o := Op{Event: "seats", Kind: ReadHold, Seat: h.seat, HoldID: h.id}
	a := c.send(ctx, &o, "GET", "/api/v1/holds/"+h.id, c.token, nil, 200)
	if o.Result == OK {
		var r holdAnswer
		if json.Unmarshal(a.body, &r) != nil {
			reject(&o, a, "not a hold")
		}
		o.ReadStatus, o.GotOrder = r.Hold.Status, r.Hold.OrderID
	}
	c.save(ctx, o)
}

func (c *client) readOrder(ctx context.Context, p seatOrder) {
	o := Op{Event: "seats", Kind: ReadOrder, Seat: p.seat, OrderID: p.id}
	a := c.send(ctx, &o, "GET", "/api/v1/orders/"+p.id, c.token, nil, 200)
	if o.Result == OK {
		var r orderAnswer
		if json.Unmarshal(a.body, &r) != nil {
			reject(&o, a, "not an order")
		}
		o.ReadStatus = r.Order.Status
	}
	c.save(ctx, o)
}

func (c *client) readSeatMap(ctx context.Context) {
	d := c.d
	o := Op{Event: "seats", Kind: ReadSeatMap}
	a := c.send(ctx, &o, "GET", "/api/v1/events/"+d.seatsEvent+"/seats", "", nil, 200)
	if o.Result == OK {
		var m seatMapBody
		if json.Unmarshal(a.body, &m) != nil || len(m.Sections) != 1 {
			reject(&o, a, "not the seat map")
		} else {
			o.SeatMap = map[string]string{}
			for _, r := range m.Sections[0].Rows {
				for _, s := range r.Seats {
					o.SeatMap[s.ID] = s.Status
				}
			}
		}
	}
	c.save(ctx, o)
}
