package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/queue"
)

// exerciseQueue runs the waiting room's rules against the engine: its
// order, its rate, its passes and its draw are only as good as the
// transactions under them.
func exerciseQueue(t *testing.T, newStore func(t *testing.T) Engine) {
	parallel(t, newStore, map[string]func(t *testing.T, s Engine){
		"PreQueueDrawnThenFIFO": testQueueOrder,
		"AdmissionRate":         testQueueRate,
		"Passes":                testQueuePasses,
		"OnePlacePerAccount":    testQueueOnePlace,
		"ConcurrentJoins":       testQueueConcurrentJoins,
		"LapsedPlace":           testQueueLapse,
		"PowRequired":           testQueuePow,
		"EmptyQueueNoBurst":     testQueueNoBurst,
		"DrawOncePerEvent":      testQueueDrawOnce,
	})
}

// queueWorld is one queued event on s with a fake clock an hour before
// its sale opens.
type queueWorld struct {
	s     Engine
	clk   *clock.Fake
	svc   *queue.Service
	event catalog.Event
}

func newQueueWorld(t *testing.T, s Engine, q catalog.Queue) *queueWorld {
	t.Helper()
	q.Enabled = true
	if q.AdmitPerMinute == 0 {
		q.AdmitPerMinute = 60
	}
	onsale := now.Add(time.Hour)
	e := newEvent(t, s, newVenue(t, s, gaVenue(10)), catalog.EventInput{OnsaleAt: &onsale, Queue: &q})
	clk := clock.NewFake(now)
	cat := catalog.NewService(s, clk)
	return &queueWorld{s: s, clk: clk, event: e, svc: queue.NewService(s, cat, clk, queue.Options{Key: []byte("queue-test-key-0123456789abcdef")})}
}

func (w *queueWorld) join(t *testing.T, u account.User) queue.Status {
	t.Helper()
	st, err := w.svc.Join(context.Background(), u, w.event.ID, queue.JoinRequest{})
	if err != nil {
		t.Fatalf("join: %v", err)
	}
	return st
}

func (w *queueWorld) poll(t *testing.T, token string) queue.Status {
	t.Helper()
	st, err := w.svc.Poll(context.Background(), w.event.ID, token)
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	return st
}

func (w *queueWorld) open() { w.clk.Set(w.event.OnsaleAt) }

// testQueueOrder: the pre-queue is admitted in the published draw's
// order, which verifies against the commitment; later joiners follow in
// join order.
func testQueueOrder(t *testing.T, s Engine) {
	ctx := context.Background()
	w := newQueueWorld(t, s, catalog.Queue{AdmitPerMinute: 600})
	info, err := w.svc.Info(ctx, w.event.ID)
	if err != nil || len(info.Commitment) != 64 || info.Seed != "" {
		t.Fatalf("info before the sale: %+v, %v; want a commitment and no seed", info, err)
	}
	if _, err := w.svc.PublishedDraw(ctx, w.event.ID); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("draw before the sale: %v, want conflict", err)
	}
	const pre, post = 40, 10
	tokens := make([]string, 0, pre+post)
	for range pre {
		st := w.join(t, newUser(t, s))
		if st.Status != queue.StatusWaiting || !st.PreQueue || st.Position == 0 {
			t.Fatalf("pre-queue join: %+v", st)
		}
		tokens = append(tokens, st.Token)
	}
	w.open()
	for i := range post {
		w.clk.Advance(time.Millisecond)
		st := w.join(t, newUser(t, s))
		if st.PreQueue || st.Position != int64(pre+i+1) {
			t.Fatalf("join %d after opening: %+v, want position %d", i, st, pre+i+1)
		}
		tokens = append(tokens, st.Token)
	}
	d, err := w.svc.PublishedDraw(ctx, w.event.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := queue.VerifyDraw(d); err != nil || len(d.Places) != pre {
		t.Fatalf("the published draw (%d places) does not verify: %v", len(d.Places), err)
	}
	if queue.Commitment(d.Seed) != info.Commitment {
		t.Errorf("the revealed seed does not match the commitment published before the sale")
	}
	// Admit everyone at 600/min (10/s): each second ten more, in order.
	order := map[string]int64{}
	for _, p := range d.Places {
		order[p.Entry] = p.Position
	}
	admittedAt := map[string]int{}
	for sec := 0; sec <= 6; sec++ {
		for _, tok := range tokens {
			if _, done := admittedAt[tok]; done {
				continue
			}
			if w.poll(t, tok).Status == queue.StatusAdmitted {
				admittedAt[tok] = sec
			}
		}
		w.clk.Advance(time.Second)
	}
	if len(admittedAt) != pre+post {
		t.Fatalf("%d of %d admitted after 6 s at 10/s", len(admittedAt), pre+post)
	}
	for _, tok := range tokens[:pre] {
		want := int((order[queue.EntryID(tok)] - 1) / 10)
		if got := admittedAt[tok] - 1; got != want && admittedAt[tok] != want {
			t.Errorf("pre-queue place at drawn position %d admitted at second %d", order[queue.EntryID(tok)], admittedAt[tok])
		}
	}
	for i, tok := range tokens[pre:] {
		if admittedAt[tok] < admittedAt[tokens[pre+max(0, i-1)]] {
			t.Errorf("FIFO place %d admitted before the one ahead of it", i)
		}
		for _, p := range tokens[:pre] {
			if admittedAt[tok] < admittedAt[p] {
				t.Fatalf("a place taken after the opening was admitted before a pre-queue place")
			}
		}
	}
}

// testQueueRate: the frontier moves at admit_per_minute, whoever polls.
func testQueueRate(t *testing.T, s Engine) {
	w := newQueueWorld(t, s, catalog.Queue{AdmitPerMinute: 120})
	var tokens []string
	for range 300 {
		tokens = append(tokens, w.join(t, newUser(t, s)).Token)
	}
	w.open()
	count := func() int {
		n := 0
		for _, tok := range tokens {
			if w.poll(t, tok).Status == queue.StatusAdmitted {
				n++
			}
		}
		return n
	}
	w.clk.Advance(time.Minute)
	if n := count(); n != 120 {
		t.Errorf("after one minute at 120/min: %d admitted", n)
	}
	w.clk.Advance(30 * time.Second)
	if n := count(); n != 180 {
		t.Errorf("after 90 s at 120/min: %d admitted", n)
	}
	info, err := w.svc.Info(context.Background(), w.event.ID)
	if err != nil || info.Admitted != 180 || info.Waiting != 120 {
		t.Errorf("info %+v, %v; want 180 admitted and 120 waiting", info, err)
	}
}

// testQueuePasses: a pass admits its account at its event until it
// expires, and nobody else anywhere else.
func testQueuePasses(t *testing.T, s Engine) {
	w := newQueueWorld(t, s, catalog.Queue{AdmitPerMinute: 600})
	u, other := newUser(t, s), newUser(t, s)
	tok := w.join(t, u).Token
	w.open()
	w.clk.Advance(time.Second)
	st := w.poll(t, tok)
	if st.Status != queue.StatusAdmitted || st.Pass == "" || st.PassExpiresAt == nil {
		t.Fatalf("poll after the opening: %+v", st)
	}
	if !st.PassExpiresAt.Equal(w.clk.Now().Add(queue.DefaultPassTTL)) {
		t.Errorf("pass expires at %v, want %v", st.PassExpiresAt, w.clk.Now().Add(queue.DefaultPassTTL))
	}
	if again := w.poll(t, tok); again.Pass != st.Pass {
		t.Errorf("a second poll gave another pass")
	}
	gate := w.svc.Gate()
	at := w.clk.Now()
	if err := gate.Check(u.ID, w.event.ID, st.Pass, at); err != nil {
		t.Errorf("the pass on its own account and event: %v", err)
	}
	// Once the pass has expired the place is spent: its poll says so, and
	// joining again gives a new place.
	later := queue.NewService(s, catalog.NewService(s, w.clk), w.clk, queue.Options{Key: []byte("queue-test-key-0123456789abcdef")})
	w.clk.Advance(queue.DefaultPassTTL)
	if st, err := later.Poll(context.Background(), w.event.ID, tok); err != nil || st.Status != queue.StatusExpired {
		t.Errorf("poll after the pass expired: %+v, %v; want expired", st, err)
	}
	if st, err := later.Join(context.Background(), u, w.event.ID, queue.JoinRequest{}); err != nil || st.Token == tok || st.Status != queue.StatusWaiting {
		t.Errorf("joining again after the pass expired: %+v, %v; want a new place", st, err)
	}
	w.clk.Set(at)
	cases := map[string]error{
		"another account": gate.Check(other.ID, w.event.ID, st.Pass, at),
		"another event":   gate.Check(u.ID, "evt_other", st.Pass, at),
		"expired":         gate.Check(u.ID, w.event.ID, st.Pass, st.PassExpiresAt.Add(time.Millisecond)),
		"none":            gate.Check(u.ID, w.event.ID, "", at),
		"forged":          gate.Check(u.ID, w.event.ID, st.Pass[:len(st.Pass)-1]+flip(st.Pass[len(st.Pass)-1]), at),
		"another key":     queue.NewService(s, catalog.NewService(s, w.clk), w.clk, queue.Options{Key: []byte("other")}).Gate().Check(u.ID, w.event.ID, st.Pass, at),
	}
	for name, err := range cases {
		if apperr.CodeOf(err) != apperr.QueuePassRequired {
			t.Errorf("pass check, %s: %v, want queue_pass_required", name, err)
		}
	}
}

func flip(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}

// testQueueOnePlace: joining again gives the same place.
func testQueueOnePlace(t *testing.T, s Engine) {
	w := newQueueWorld(t, s, catalog.Queue{})
	u := newUser(t, s)
	first := w.join(t, u)
	w.join(t, newUser(t, s))
	if again := w.join(t, u); again.Token != first.Token {
		t.Errorf("joining again gave token %s, want the first place's %s", again.Token, first.Token)
	}
	w.open()
	w.clk.Advance(time.Millisecond)
	if again := w.join(t, u); again.Token != first.Token {
		t.Errorf("joining again after the opening gave another place")
	}
	info, _ := w.svc.Info(context.Background(), w.event.ID)
	if info.Joined != 2 {
		t.Errorf("%d places for 2 accounts", info.Joined)
	}
}

// testQueueConcurrentJoins: many accounts joining at once, twice each, get
// one place each with distinct positions.
func testQueueConcurrentJoins(t *testing.T, s Engine) {
	w := newQueueWorld(t, s, catalog.Queue{AdmitPerMinute: 1})
	w.open()
	w.clk.Advance(time.Millisecond)
	users := make([]account.User, 40)
	for i := range users {
		users[i] = newUser(t, s)
	}
	got := make([]queue.Status, 2*len(users))
	errs := make([]error, len(got))
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			got[i], errs[i] = w.svc.Join(context.Background(), users[i%len(users)], w.event.ID, queue.JoinRequest{})
		})
	}
	wg.Wait()
	positions := map[int64]string{}
	for i, st := range got {
		if errs[i] != nil {
			t.Fatalf("join %d: %v", i, errs[i])
		}
		if other := got[(i+len(users))%len(got)]; other.Token != st.Token {
			t.Errorf("one account got two places")
		}
		if tok, seen := positions[st.Position]; seen && tok != st.Token {
			t.Errorf("position %d given to two places", st.Position)
		}
		positions[st.Position] = st.Token
	}
	if len(positions) != len(users) {
		t.Errorf("%d distinct positions for %d accounts", len(positions), len(users))
	}
}

// testQueueLapse: a place whose turn comes while its owner has been away
// for more than Keep lapses; joining again starts at the back.
func testQueueLapse(t *testing.T, s Engine) {
	ctx := context.Background()
	w := newQueueWorld(t, s, catalog.Queue{AdmitPerMinute: 1})
	w.open()
	w.clk.Advance(time.Millisecond)
	var tokens []string
	for range 12 {
		tokens = append(tokens, w.join(t, newUser(t, s)).Token)
	}
	away := newUser(t, s)
	gone := w.join(t, away)
	present := w.join(t, newUser(t, s))
	// At 1/min the away place's turn (13th) comes at minute 13; its owner
	// does not claim it for the next five. The owner behind keeps polling.
	for range 19 {
		w.clk.Advance(time.Minute)
		w.poll(t, present.Token)
		if _, err := w.svc.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if st := w.poll(t, gone.Token); st.Status != queue.StatusExpired {
		t.Fatalf("a place whose turn came 6 minutes ago, never claimed: %+v, want expired", st)
	}
	if st := w.poll(t, present.Token); st.Status != queue.StatusAdmitted {
		t.Errorf("the place behind it, owner present: %+v, want admitted", st)
	}
	back := w.join(t, away)
	if back.Token == gone.Token || back.Status != queue.StatusWaiting || back.Position < 1 {
		t.Errorf("joining again after a lapse: %+v, want a new place at the back", back)
	}
}

// testQueuePow: with a difficulty set, a join needs a solved challenge
// made for that account and event.
func testQueuePow(t *testing.T, s Engine) {
	ctx := context.Background()
	w := newQueueWorld(t, s, catalog.Queue{PowDifficulty: 8})
	u, other := newUser(t, s), newUser(t, s)
	if _, err := w.svc.Join(ctx, u, w.event.ID, queue.JoinRequest{}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("join without a proof of work: %v", err)
	}
	c, err := w.svc.Challenge(ctx, u, w.event.ID)
	if err != nil || c.Difficulty != 8 {
		t.Fatalf("challenge: %+v, %v", c, err)
	}
	nonce := queue.Solve(c)
	if _, err := w.svc.Join(ctx, other, w.event.ID, queue.JoinRequest{PowChallenge: c.Challenge, PowNonce: nonce}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("another account's solved challenge: %v", err)
	}
	bad := "x"
	for queue.LeadingZeroBits(c.Challenge, bad) >= 8 {
		bad += "x"
	}
	if _, err := w.svc.Join(ctx, u, w.event.ID, queue.JoinRequest{PowChallenge: c.Challenge, PowNonce: bad}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("a wrong nonce: %v", err)
	}
	if st, err := w.svc.Join(ctx, u, w.event.ID, queue.JoinRequest{PowChallenge: c.Challenge, PowNonce: nonce}); err != nil || st.Token == "" {
		t.Errorf("a solved challenge: %+v, %v", st, err)
	}
}

// testQueueNoBurst: minutes with nobody waiting do not let the next
// crowd in at once.
func testQueueNoBurst(t *testing.T, s Engine) {
	w := newQueueWorld(t, s, catalog.Queue{AdmitPerMinute: 60})
	w.open()
	w.clk.Advance(time.Millisecond)
	w.join(t, newUser(t, s))
	w.clk.Advance(10 * time.Minute) // 600 admissions' worth of idle time
	var tokens []string
	for range 100 {
		tokens = append(tokens, w.join(t, newUser(t, s)).Token)
	}
	w.clk.Advance(10 * time.Second)
	n := 0
	for _, tok := range tokens {
		if w.poll(t, tok).Status == queue.StatusAdmitted {
			n++
		}
	}
	if n < 9 || n > 11 {
		t.Errorf("%d of 100 admitted 10 s after they joined an idle room at 60/min, want about 10", n)
	}
}

// testQueueDrawOnce: two services (two instances) drawing at once make one
// draw.
func testQueueDrawOnce(t *testing.T, s Engine) {
	ctx := context.Background()
	w := newQueueWorld(t, s, catalog.Queue{})
	for range 20 {
		w.join(t, newUser(t, s))
	}
	w.open()
	other := queue.NewService(s, catalog.NewService(s, w.clk), w.clk, queue.Options{Key: []byte("queue-test-key-0123456789abcdef")})
	var wg sync.WaitGroup
	draws := make([]queue.Draw, 6)
	errs := make([]error, len(draws))
	for i := range draws {
		svc := w.svc
		if i%2 == 1 {
			svc = other
		}
		wg.Go(func() { draws[i], errs[i] = svc.PublishedDraw(ctx, w.event.ID) })
	}
	wg.Wait()
	for i, d := range draws {
		if errs[i] != nil || d.Seed != draws[0].Seed || fmt.Sprint(d.Places) != fmt.Sprint(draws[0].Places) {
			t.Errorf("draw %d differs: %v", i, errs[i])
		}
	}
	if err := queue.VerifyDraw(draws[0]); err != nil {
		t.Error(err)
	}
}

// testQueueOpeningMoved: the organizer moves the sale's opening after the
// room was set up; admission starts at the new opening, at the new rate.
func testQueueOpeningMoved(t *testing.T, s Engine) {
	ctx := context.Background()
	w := newQueueWorld(t, s, catalog.Queue{AdmitPerMinute: 60})
	if _, err := w.svc.Info(ctx, w.event.ID); err != nil { // sets the room up with the first opening
		t.Fatal(err)
	}
	tok := w.join(t, newUser(t, s)).Token
	earlier := now.Add(10 * time.Minute)
	q := w.event.Queue
	q.AdmitPerMinute = 600
	if _, err := catalog.NewService(s, w.clk).UpdateEvent(ctx, admin, w.event.ID, catalog.EventUpdate{OnsaleAt: &earlier, Queue: &q}); err != nil {
		t.Fatal(err)
	}
	w.clk.Set(earlier.Add(2 * time.Second)) // past the event cache's second
	if st := w.poll(t, tok); st.Status != queue.StatusAdmitted {
		t.Errorf("2 s after the moved opening at 600/min: %+v, want admitted", st)
	}
}

// testQueueAuto: the auto mode lowers the rate when the signals are bad,
// never below the minimum, and raises it back when they recover, at most
// once per policy interval.
func testQueueAuto(t *testing.T, s Engine) {
	ctx := context.Background()
	w := newQueueWorld(t, s, catalog.Queue{AdmitPerMinute: 100, Mode: catalog.QueueAuto, MinAdmitPerMinute: 40, MaxAdmitPerMinute: 200})
	sig := queue.NewSignals(w.clk.Now)
	svc := queue.NewService(s, catalog.NewService(s, w.clk), w.clk, queue.Options{Key: []byte("queue-test-key-0123456789abcdef"), Signals: sig})
	if _, err := svc.Join(ctx, newUser(t, s), w.event.ID, queue.JoinRequest{}); err != nil {
		t.Fatal(err)
	}
	w.open()
	rate := func() int {
		info, err := svc.Info(ctx, w.event.ID)
		if err != nil {
			t.Fatal(err)
		}
		return info.AdmitPerMinute
	}
	tick := func() {
		if _, err := svc.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tick() // the draw
	observe := func(d time.Duration, failed bool) {
		for range 50 {
			sig.Observe(queue.KindHold, d, failed)
		}
	}
	var seen []int
	for range 4 { // slow holds: 100 → 70 → 49 → 40 (the minimum) → 40
		w.clk.Advance(11 * time.Second)
		observe(900*time.Millisecond, false)
		tick()
		seen = append(seen, rate())
	}
	if fmt.Sprint(seen) != "[70 49 40 40]" {
		t.Errorf("rates under slow holds: %v, want [70 49 40 40]", seen)
	}
	w.clk.Advance(3 * time.Second)
	tick()
	if r := rate(); r != 40 {
		t.Errorf("a change 3 s after the last: %d", r)
	}
	seen = nil
	for range 8 { // fast holds again: up by 15% (+1) a step, to the maximum
		w.clk.Advance(31 * time.Second) // past the window of slow samples
		observe(5*time.Millisecond, false)
		tick()
		seen = append(seen, rate())
	}
	if seen[0] != 47 || seen[len(seen)-1] > 200 || seen[len(seen)-1] < seen[0] {
		t.Errorf("rates after recovery: %v, want rising from 47 to at most 200", seen)
	}
	w.clk.Advance(31 * time.Second)
	observe(5*time.Millisecond, true) // failures: every answer a 5xx
	tick()
	if r := rate(); r >= seen[len(seen)-1] {
		t.Errorf("rate %d after failures, want below %d", r, seen[len(seen)-1])
	}
}

// testQueueBadJoinInBatch: joins committed together (group commit) are
// answered one by one; a join that cannot be stored (an account that does
// not exist) fails alone, and the others get their places.
func testQueueBadJoinInBatch(t *testing.T, s Engine) {
	w := newQueueWorld(t, s, catalog.Queue{})
	users := make([]account.User, 30)
	for i := range users {
		users[i] = newUser(t, s)
	}
	users[17] = account.User{ID: "usr_nobody", Role: account.RoleCustomer}
	errs := make([]error, len(users))
	got := make([]queue.Status, len(users))
	var wg sync.WaitGroup
	for i := range users {
		wg.Go(func() { got[i], errs[i] = w.svc.Join(context.Background(), users[i], w.event.ID, queue.JoinRequest{}) })
	}
	wg.Wait()
	for i := range users {
		if (errs[i] != nil) != (i == 17) {
			t.Errorf("join %d: %+v, %v", i, got[i], errs[i])
		}
	}
	info, err := w.svc.Info(context.Background(), w.event.ID)
	if err != nil || info.Joined != int64(len(users)-1) {
		t.Errorf("info %+v, %v; want %d places", info, err, len(users)-1)
	}
}
