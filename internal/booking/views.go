package booking

import "sync"

// maxViews bounds the values memoized per shared snapshot. Keys come from
// requests (a format, an offers query), so past the bound a value is built
// for its caller and not kept.
const maxViews = 32

// views memoizes values derived from one shared snapshot: its seat map
// encoded as JSON, gzipped, and so on. A shared snapshot is replaced a few
// times a second, and a stadium's encoded seat map takes tens of
// milliseconds to build, so views also keeps a link to the snapshot it
// replaced: while one caller builds the new value, the others are given
// the previous snapshot's instead of waiting for it. That keeps the slow
// build off every request but one, at the price of serving the previous
// snapshot (a fraction of a second older) meanwhile.
type views struct {
	mu   sync.Mutex
	m    map[any]*view
	prev *views // the views of the snapshot this one replaced; nil once that is no longer needed
}

type view struct {
	done chan struct{}
	v    any
	ok   bool // false if the build panicked
}

// newViews returns the views of a new shared snapshot that replaces the
// one whose views are prev (nil for the first). prev keeps no link of its
// own, so at most two snapshots' values are alive per event.
func newViews(prev *views) *views {
	if prev != nil {
		prev.mu.Lock()
		prev.prev = nil
		prev.mu.Unlock()
	}
	return &views{m: map[any]*view{}, prev: prev}
}

// View returns build(sn), built once per shared snapshot and key. While
// another caller is building it, View returns the value the previous
// shared snapshot had for key, if it had one, rather than waiting; a value
// must therefore say which snapshot it describes if that matters (an ETag,
// say). For a snapshot that is not shared (Service.Snapshot) it just
// builds. key must be comparable; build must not change sn.
func View[T any](sn Snapshot, key any, build func(Snapshot) T) T {
	vs := sn.views
	if vs == nil {
		return build(sn)
	}
	vs.mu.Lock()
	if e, ok := vs.m[key]; ok {
		prev := vs.prev
		vs.mu.Unlock()
		select {
		case <-e.done:
		default:
			if v, ok := prev.ready(key); ok {
				if t, ok := v.(T); ok {
					return t
				}
			}
			<-e.done
		}
		if t, ok := e.v.(T); ok && e.ok {
			return t
		}
		return build(sn)
	}
	if len(vs.m) >= maxViews {
		vs.mu.Unlock()
		return build(sn)
	}
	e := &view{done: make(chan struct{})}
	vs.m[key] = e
	vs.mu.Unlock()
	defer func() {
		if !e.ok { // build panicked: let the next caller try again
			vs.mu.Lock()
			delete(vs.m, key)
			vs.mu.Unlock()
		}
		close(e.done)
	}()
	t := build(sn)
	e.v, e.ok = t, true
	return t
}

// ready returns the value built for key, if one is built.
func (vs *views) ready(key any) (any, bool) {
	if vs == nil {
		return nil, false
	}
	vs.mu.Lock()
	e, ok := vs.m[key]
	vs.mu.Unlock()
	if !ok {
		return nil, false
	}
	select {
	case <-e.done:
		return e.v, e.ok
	default:
		return nil, false
	}
}
