package lanes

import (
	"sync"
	"sync/atomic"
	"testing"
)

// TestLanesBatchUnderContention adds items from many goroutines while
// batches are committed: every item is committed exactly once, no batch
// is larger than MaxBatch, no key has more than Concurrency batches at
// once, and the lanes are gone when all is done.
func TestLanesBatchUnderContention(t *testing.T) {
	const keys, perKey, workers = 3, 2000, 16
	var mu sync.Mutex
	seen := map[int]int{}
	var running [keys]atomic.Int32
	var overlap atomic.Bool
	var done sync.WaitGroup
	done.Add(keys * perKey)
	l := &Lanes[int]{MaxBatch: 7, Concurrency: 2}
	l.Commit = func(key string, batch []int) {
		k := int(key[0] - 'a')
		if running[k].Add(1) > 2 {
			overlap.Store(true)
		}
		if len(batch) > 7 || len(batch) == 0 {
			t.Errorf("batch of %d", len(batch))
		}
		mu.Lock()
		for _, it := range batch {
			seen[it]++
		}
		mu.Unlock()
		running[k].Add(-1)
		for range batch {
			done.Done()
		}
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < keys*perKey; i += workers {
				l.Add(string(rune('a'+i%keys)), i)
			}
		})
	}
	wg.Wait()
	done.Wait()
	if overlap.Load() {
		t.Errorf("more than Concurrency batches of one key at once")
	}
	for i := range keys * perKey {
		if seen[i] != 1 {
			t.Fatalf("item %d committed %d times", i, seen[i])
		}
	}
	for k := range keys {
		if n := l.Pending(string(rune('a' + k))); n != 0 {
			t.Errorf("key %d: %d pending", k, n)
		}
	}
}
