// Package lanes is the queue behind group commit: items are added to a
// lane by key, and a lane's items are handed over in batches, one batch
// after another, while the previous one is written the next one gathers.
// Nobody waits for a timer; a batch is as large as the load makes it. What
// a batch means (one transaction of booking's steps, one of SQLite's small
// writes) is the caller's.
package lanes

import (
	"slices"
	"sync"
)

// Lanes batches items per key. Set MaxBatch, Concurrency and Commit before
// the first Add; the zero map is ready to use.
type Lanes[T any] struct {
	// MaxBatch bounds the items of one batch (at least 1).
	MaxBatch int
	// Concurrency is how many batches of one key may be committed at once
	// (at least 1).
	Concurrency int
	// Commit writes one batch of key's items. It runs on a goroutine of
	// the lane's, never on Add's caller.
	Commit func(key string, batch []T)

	mu sync.Mutex
	m  map[string]*lane[T]
}

type lane[T any] struct {
	pending []T
	running int
}

// Add queues items on key's lane and starts a goroutine to commit them if
// the lane has fewer than Concurrency at work.
func (l *Lanes[T]) Add(key string, items ...T) {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*lane[T]{}
	}
	ln := l.m[key]
	if ln == nil {
		ln = &lane[T]{}
		l.m[key] = ln
	}
	ln.pending = append(ln.pending, items...)
	start := ln.running < max(l.Concurrency, 1)
	if start {
		ln.running++
	}
	l.mu.Unlock()
	if start {
		go l.drain(key, ln)
	}
}

// Pending counts key's items waiting for a batch.
func (l *Lanes[T]) Pending(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ln := l.m[key]; ln != nil {
		return len(ln.pending)
	}
	return 0
}

// drain commits key's batches until none is waiting; the last goroutine
// of a lane removes it.
func (l *Lanes[T]) drain(key string, ln *lane[T]) {
	for {
		l.mu.Lock()
		n := min(len(ln.pending), max(l.MaxBatch, 1))
		if n == 0 {
			ln.running--
			if ln.running == 0 {
				delete(l.m, key)
			}
			l.mu.Unlock()
			return
		}
		batch := slices.Clone(ln.pending[:n])
		ln.pending = slices.Delete(ln.pending, 0, n)
		l.mu.Unlock()
		l.Commit(key, batch)
	}
}
