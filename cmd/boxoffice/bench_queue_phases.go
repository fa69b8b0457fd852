package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/boxoffice/boxoffice/internal/queue"
)

// fairness is the pre-queue draw, the FIFO after it, the admission rate
// and the passes.
func (b *queueBench) fairness(ctx context.Context) error {
	c := b.c
	pre, err := b.users(ctx, "pre", c.joiners)
	if err != nil {
		return err
	}
	late, err := b.users(ctx, "late", c.late)
	if err != nil {
		return err
	}
	stranger, err := b.users(ctx, "stranger", 1)
	if err != nil {
		return err
	}
	event, err := b.event(ctx, "Fair Show", c.rate, time.Now().Add(time.Hour))
	if err != nil {
		return err
	}
	var before queue.Info
	if _, err := b.cl.do(ctx, "GET", "/api/v1/events/"+event+"/queue", "", nil, &before); err != nil {
		return err
	}
	b.logf("event %s: waiting room at %d/min, commitment %s published before the sale", event, c.rate, before.Commitment)
	prePlaces, joinOrder, lat, took, err := b.joinAll(ctx, event, pre)
	if err != nil {
		return err
	}
	b.joinFigures("pre_queue_joins", len(pre), lat, took)

	// Open the sale a second from now; the queue job draws at the opening.
	onsale := time.Now().Add(time.Second)
	if _, err := b.cl.do(ctx, "PATCH", "/api/v1/events/"+event, b.admin, map[string]any{"onsale_at": onsale.UTC().Format(time.RFC3339Nano)}, nil); err != nil {
		return err
	}
	time.Sleep(time.Until(onsale) + 10*time.Millisecond)
	latePlaces := make([]string, len(late))
	for i, tok := range late { // one after another: their order is known
		var st queue.Status
		if _, err := b.cl.do(ctx, "POST", "/api/v1/events/"+event+"/queue", tok, nil, &st); err != nil {
			return err
		}
		latePlaces[i] = st.Token
	}

	var d queue.Draw
	if _, err := b.cl.do(ctx, "GET", "/api/v1/events/"+event+"/queue/draw", "", nil, &d); err != nil {
		return err
	}
	verified := queue.VerifyDraw(d) == nil && d.Commitment == before.Commitment && len(d.Places) == len(pre)
	pos := make(map[string]int64, len(d.Places))
	for _, p := range d.Places {
		pos[p.Entry] = p.Position
	}
	x, y := make([]float64, len(joinOrder)), make([]float64, len(joinOrder))
	for rank, i := range joinOrder {
		x[rank], y[rank] = float64(rank), float64(pos[queue.EntryID(prePlaces[i])]-1)
	}
	rho := spearman(x, y)
	b.logf("draw: %d places, seed %s, verified against the commitment: %v; Spearman ρ(join order, admission order) = %+.4f",
		len(d.Places), d.Seed, verified, rho)

	// The admission order: the pre-queue by drawn position, then the late
	// joiners in their order. Poll the places near the frontier.
	all := make([]string, len(pre), len(pre)+len(late))
	userOf := make(map[string]string, len(pre)+len(late))
	for i, p := range prePlaces {
		all[pos[queue.EntryID(p)]-1] = p
		userOf[p] = pre[i]
	}
	for i, p := range latePlaces {
		all = append(all, p)
		userOf[p] = late[i]
	}
	at, round, lastPass, err := b.track(ctx, event, all)
	if err != nil {
		return err
	}
	// FIFO, to the polling round: no place is admitted in an earlier round
	// than a place ahead of it in the admission order, which puts every
	// pre-queue place ahead of every later joiner, and those in join order.
	fifo := b.fifoViolations == 0
	for i := 1; i < len(all); i++ {
		if round[i] < round[i-1] && fifo {
			fifo = false
			b.logf("not FIFO: place %d of the admission order was admitted in round %d, the place ahead of it in round %d", i, round[i], round[i-1])
		}
	}
	minW, maxW, overall := perMinute(at)
	b.logf("admission: %d places in %s; overall %.0f/min; over every full minute: min %d, max %d (setting %d, so %+.1f%% / %+.1f%%); FIFO after the opening: %v",
		len(all), at[len(at)-1].Sub(at[0]).Round(time.Millisecond), overall, minW, maxW, c.rate,
		100*(float64(minW)/float64(c.rate)-1), 100*(float64(maxW)/float64(c.rate)-1), fifo)
	b.report["fairness"] = map[string]any{"pre_queue": len(pre), "late": len(late), "spearman_rho": rho, "draw_verified": verified,
		"fifo_after_opening": fifo, "rate_setting": c.rate, "rate_overall_per_min": math.Round(overall), "rate_min_minute": minW, "rate_max_minute": maxW}
	// The last place's pass is the freshest: its TTL runs from now.
	return b.passes(ctx, event, lastPass, userOf[all[len(all)-1]], stranger[0])
}

// track polls each place from the front of the admission order until it
// is admitted, and returns when each was first seen admitted and the first
// place's pass. A client that watches the frontier this way needs only the
// places about to be admitted.
func (b *queueBench) track(ctx context.Context, event string, order []string) ([]time.Time, []int, string, error) {
	at := make([]time.Time, len(order))
	round := make([]int, len(order))
	rounds := 0
	var lastPass string
	window := max(50, b.c.rate/60)
	front := 0
	deadline := time.Now().Add(time.Duration(len(order)/max(1, b.c.rate)+2) * time.Minute)
	for front < len(order) {
		if time.Now().After(deadline) {
			return nil, nil, "", fmt.Errorf("only %d of %d places admitted by the deadline", front, len(order))
		}
		end := min(len(order), front+window)
		var wg sync.WaitGroup
		var next atomic.Int64
		next.Store(int64(front))
		var failed atomic.Pointer[error]
		// One poller, front to back: a place is never polled before the
		// places ahead of it in a round, so the rounds can show FIFO.
		for range 1 {
			wg.Go(func() {
				for {
					i := int(next.Add(1) - 1)
					if i >= end {
						return
					}
					if !at[i].IsZero() {
						continue
					}
					var st queue.Status
					if _, err := b.cl.do(ctx, "GET", "/api/v1/events/"+event+"/queue/"+order[i], "", nil, &st); err != nil {
						failed.CompareAndSwap(nil, &err)
						return
					}
					if st.Status == queue.StatusAdmitted {
						at[i], round[i] = time.Now(), rounds
						if i == len(order)-1 {
							lastPass = st.Pass
						}
					}
				}
			})
		}
		wg.Wait()
		if e := failed.Load(); e != nil {
			return nil, nil, "", *e
		}
		// The frontier moves while a round polls: a place seen waiting may
		// be passed a moment later, before a place behind it is polled.
		// Ask again about every place left behind one admitted in this
		// round; if the server is FIFO, it is admitted now.
		last := -1
		for i := front; i < end; i++ {
			if !at[i].IsZero() && round[i] == rounds {
				last = i
			}
		}
		for i := front; i < last; i++ {
			if !at[i].IsZero() {
				continue
			}
			var st queue.Status
			if _, err := b.cl.do(ctx, "GET", "/api/v1/events/"+event+"/queue/"+order[i], "", nil, &st); err != nil {
				return nil, nil, "", err
			}
			if st.Status == queue.StatusAdmitted {
				at[i], round[i] = time.Now(), rounds
			} else {
				b.fifoViolations++ // admitted after a place behind it
			}
		}
		for front < len(order) && !at[front].IsZero() {
			front++
		}
		rounds++
		time.Sleep(100 * time.Millisecond)
	}
	return at, round, lastPass, nil
}

// perMinute counts admissions in every full minute window that starts at
// an admission, and the overall rate per minute.
func perMinute(at []time.Time) (minW, maxW int, overall float64) {
	n := len(at)
	if n < 2 {
		return 0, 0, 0
	}
	span := at[n-1].Sub(at[0])
	overall = float64(n-1) / span.Minutes()
	minW, maxW = math.MaxInt, 0
	j := 0
	for i := range at {
		if at[i].Add(time.Minute).After(at[n-1]) {
			break
		}
		for j < n && at[j].Before(at[i].Add(time.Minute)) {
			j++
		}
		minW, maxW = min(minW, j-i), max(maxW, j-i)
	}
	if maxW == 0 {
		minW = 0
	}
	return minW, maxW, overall
}

// passes checks the passes of an admitted user against holds.
func (b *queueBench) passes(ctx context.Context, event, pass, owner, stranger string) error {
	other, err := b.event(ctx, "Other Show", 600, time.Now().Add(-time.Minute))
	if err != nil {
		return err
	}
	hold := func(ev, token, pass string) (int, string) {
		req, _ := http.NewRequestWithContext(ctx, "POST", b.cl.base+"/api/v1/events/"+ev+"/holds", strings.NewReader(`{"section":"Floor","quantity":1}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		if pass != "" {
			req.Header.Set("X-Queue-Pass", pass)
		}
		resp, err := b.cl.http.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		var p struct{ Code string }
		_ = jsonDecode(resp.Body, &p)
		return resp.StatusCode, p.Code
	}
	forged := pass[:len(pass)-1] + map[bool]string{true: "1", false: "0"}[pass[len(pass)-1] == '0']
	admitted, refused := 0, 0
	cases := []struct {
		name, ev, token, pass string
		ok                    bool
	}{
		{"the owner's own pass", event, owner, pass, true},
		{"no pass", event, owner, "", false},
		{"a forged pass", event, owner, forged, false},
		{"another account's pass", event, stranger, pass, false},
		{"a pass for another event", other, owner, pass, false},
	}
	results := map[string]string{}
	for _, k := range cases {
		code, problem := hold(k.ev, k.token, k.pass)
		results[k.name] = fmt.Sprintf("%d %s", code, problem)
		switch {
		case k.ok && code == 201:
			admitted++
		case !k.ok && code == 403 && problem == "queue_pass_required":
			refused++
		default:
			return fmt.Errorf("hold with %s: %d %s", k.name, code, problem)
		}
	}
	b.logf("passes: waiting %s for the pass to expire", b.c.passTTL)
	time.Sleep(b.c.passTTL + time.Second)
	if code, problem := hold(event, owner, pass); code != 403 || problem != "queue_pass_required" {
		return fmt.Errorf("hold with an expired pass: %d %s", code, problem)
	}
	refused++
	results["an expired pass"] = "403 queue_pass_required"
	b.logf("passes: the real one admitted (%d); forged, other-account, other-event, expired and missing refused: %d of 5; admitted wrongly: 0", admitted, refused)
	b.report["passes"] = map[string]any{"valid_admitted": admitted, "invalid_refused": refused, "invalid_admitted": 0, "results": results}
	return nil
}

// scale joins W people to an open room and times position polls with all
// of them waiting.
func (b *queueBench) scale(ctx context.Context) error {
	toks, err := b.users(ctx, "crowd", b.c.waiting)
	if err != nil {
		return err
	}
	event, err := b.event(ctx, "Crowded Show", 1, time.Now().Add(-time.Second))
	if err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(b.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	var (
		places []string
		lat    []time.Duration
		took   time.Duration
	)
	if b.c.joinRate > 0 { // open loop at the offered rate
		places = make([]string, len(toks))
		lat, took, err = paced(len(toks), b.c.joinRate, 512, func(i int) error {
			var st queue.Status
			_, err := b.cl.do(ctx, "POST", "/api/v1/events/"+event+"/queue", toks[i], nil, &st)
			places[i] = st.Token
			return err
		})
	} else { // closed loop: as fast as c.concurrency clients go
		places, _, lat, took, err = b.joinAll(ctx, event, toks)
	}
	if err != nil {
		return err
	}
	b.joinFigures("scale_joins", len(toks), lat, took)
	var info queue.Info
	if _, err := b.cl.do(ctx, "GET", "/api/v1/events/"+event+"/queue", "", nil, &info); err != nil {
		return err
	}
	polls := max(20_000, b.c.pollRate*10)
	plat, ptook, err := paced(polls, b.c.pollRate, 512, func(int) error {
		var st queue.Status
		_, err := b.cl.do(ctx, "GET", "/api/v1/events/"+event+"/queue/"+places[rand.N(len(places))], "", nil, &st)
		return err
	})
	if err != nil {
		return err
	}
	rss := vmHWM("self")
	b.logf("scale: %d waiting; %d position polls offered at %d/s took %s (%.0f/s): p50 %s p99 %s; process peak RSS %s (server and clients together)",
		info.Waiting, polls, b.c.pollRate, ptook.Round(time.Millisecond), float64(polls)/ptook.Seconds(), pctOf(plat, 50), pctOf(plat, 99), rss)
	b.report["scale"] = map[string]any{"waiting": info.Waiting, "polls": polls, "polls_per_second": math.Round(float64(polls) / ptook.Seconds()),
		"join_rate_offered": b.c.joinRate, "poll_rate_offered": b.c.pollRate, "poll_p50_ms": float64(pctOf(plat, 50).Microseconds()) / 1000, "poll_p99_ms": float64(pctOf(plat, 99).Microseconds()) / 1000, "peak_rss": rss}
	return nil
}
