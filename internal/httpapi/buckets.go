package httpapi

import (
	"container/list"
	"hash/maphash"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/boxoffice/boxoffice/internal/config"
)

// bucketShards spreads the buckets over independently locked maps, so
// that a flood on one key does not queue every other client behind it.
const bucketShards = 16

// buckets are the token buckets of the rate limiter, one per (class,
// key), kept in memory and bounded: each shard is an LRU list capped at
// its share of MaxKeys, and buckets that have refilled completely are
// dropped as new ones arrive. Dropping a full bucket loses nothing (a new
// one starts full), so only a flood of more distinct keys than the cap
// can make the limiter forget anyone, and then it forgets the quietest.
// No goroutine sweeps: the work is done by the inserts that need room.
type buckets struct {
	seed     maphash.Seed
	perShard int
	shards   [bucketShards]shard
}

type shard struct {
	mu   sync.Mutex
	keys map[string]*list.Element
	lru  list.List // of *bucket, most recently used at the front
}

type bucket struct {
	key  string
	lim  *rate.Limiter
	last time.Time
	// refill is how long the bucket takes to fill up from empty: once it
	// has been idle that long it is indistinguishable from a new one.
	refill time.Duration
}

func newBuckets(maxKeys int) *buckets {
	b := &buckets{seed: maphash.MakeSeed(), perShard: max(1, maxKeys/bucketShards)}
	for i := range b.shards {
		b.shards[i].keys = map[string]*list.Element{}
	}
	return b
}

// take spends one token of key's bucket under limit l at now. It returns
// 0 when the request may go ahead, else how long until a token is there.
func (b *buckets) take(key string, l config.Limit, now time.Time) time.Duration {
	every := rate.Limit(float64(l.Events) / l.Per.Seconds())
	sh := &b.shards[maphash.String(b.seed, key)%bucketShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	var bk *bucket
	if el, ok := sh.keys[key]; ok {
		sh.lru.MoveToFront(el)
		bk = el.Value.(*bucket)
	} else {
		sh.makeRoom(b.perShard, now)
		bk = &bucket{key: key, lim: rate.NewLimiter(every, l.Burst), last: now,
			refill: time.Duration(float64(l.Burst) / float64(every) * float64(time.Second))}
		sh.keys[key] = sh.lru.PushFront(bk)
	}
	if now.After(bk.last) {
		bk.last = now
	}
	if bk.lim.AllowN(now, 1) {
		return 0
	}
	missing := 1 - bk.lim.TokensAt(now)
	return time.Duration(math.Ceil(missing / float64(every) * float64(time.Second)))
}

// makeRoom drops a few buckets that have refilled, from the idle end, and
// then the least recently used one if the shard is still full. Looking at
// a few per insert keeps an insert O(1) while idle buckets still go away
// about as fast as new ones come.
func (sh *shard) makeRoom(capacity int, now time.Time) {
	for range 4 {
		el := sh.lru.Back()
		if el == nil {
			return
		}
		bk := el.Value.(*bucket)
		if now.Sub(bk.last) < bk.refill {
			break
		}
		sh.remove(el)
	}
	for sh.lru.Len() >= capacity {
		sh.remove(sh.lru.Back())
	}
}

func (sh *shard) remove(el *list.Element) {
	delete(sh.keys, el.Value.(*bucket).key)
	sh.lru.Remove(el)
}

// len counts the buckets held, for tests.
func (b *buckets) len() int {
	n := 0
	for i := range b.shards {
		b.shards[i].mu.Lock()
		n += b.shards[i].lru.Len()
		b.shards[i].mu.Unlock()
	}
	return n
}
