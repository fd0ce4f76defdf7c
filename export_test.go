package mproc

import "sync/atomic"

// What the tests look at and users need not: Python keeps these private too.

// Locked reports whether some process holds l (a snapshot).
func Locked(l *Lock) bool { return atomic.LoadUint32(l.word()) != 0 }

// MaxSize is q's item limit (0: none).
func MaxSize[T any](q *Queue[T]) int { q.check(); defer q.exit(); return q.r.MaxItems() }

// Unfinished is the number of items put in q and not yet marked done.
func Unfinished[T any](q *JoinableQueue[T]) int { q.check(); defer q.exit(); return q.r.Unfinished() }

// WithSpill sets how many bytes a queue can grow by beyond its buffer and
// the unit they are mapped in (ring.Config's Spill and Extent); a spill of
// 0 makes a queue that does not grow, whose Put waits for room in its
// buffer, for tests of the ring alone.
func WithSpill(bytes, extent int) QueueOption {
	return func(c *queueConfig) { c.spill, c.extent = bytes, extent }
}

// SpillAllocated is the memory q's spill holds now, in bytes (0 for a
// queue that does not grow).
func SpillAllocated[T any](q *Queue[T]) int64 {
	q.check()
	defer q.exit()
	sp := q.r.Spill()
	if sp == nil {
		return 0
	}
	n, err := sp.Allocated()
	if err != nil {
		panic(err)
	}
	return n
}

// SpilledBytes is what q's spill holds that consumers have not got yet, in
// bytes (a snapshot; 0 for a queue that does not grow).
func SpilledBytes[T any](q *Queue[T]) int { q.check(); defer q.exit(); return q.r.Spilled() }

// ReaderParked reports whether p's result reader goroutine waits off the
// result queue, leaving the results to polling callers of Apply.
func ReaderParked(p *Pool) bool { return p.rr.parked.Load() }
