package mproc

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"mproc/internal/ring"
)

// resultReader takes the workers' results off a pool's result queue and
// passes them to the scheduler. Its goroutine reads them, except while a
// caller of Apply polls for its own result: that caller then takes the
// results itself, and the goroutine waits off the queue, so that the round
// trip involves neither parking the caller and waking it again (a thread
// wake-up in the runtime) nor a third thread polling on a 2-core machine.
type resultReader struct {
	// mu is held by whoever takes results, so that they reach the
	// scheduler in the order the queue has them (a worker's end marker
	// after its last results).
	mu sync.Mutex
	// A batch's payloads are copied out of the ring into one buffer, kept
	// from batch to batch: the scheduler is done with them when doWith
	// returns (a job's finish decodes a copy), so a result costs no
	// allocation. Guarded by mu.
	batch []resultMsg
	buf   []byte
	done  []completion

	pollers atomic.Int32  // callers polling for their result
	parked  atomic.Bool   // the goroutine waits on wake, not on the queue
	wake    chan struct{} // one token: the goroutine is wanted on the queue
}

// poolSpin is how long a pool worker polls its queue
// before sleeping: the next task usually comes within microseconds.
const poolSpin = 50 * time.Microsecond

// readerSpin is how long the result reader polls while tasks are out.
const readerSpin = 50 * time.Microsecond

// applyPoll is how long Apply polls for its result before it parks and
// leaves the results to the reader goroutine.
const applyPoll = 50 * time.Microsecond

// resultBatch bounds the results passed to the scheduler in one event.
const resultBatch = 256

// readResults passes results to the scheduler, in batches, until the pool
// ends.
func (p *Pool) readResults() {
	// The reader holds the results queue in use for as long as it reads:
	// the pool's end closes the queue, which wakes the reader, and the
	// queue's memory is unmapped only after the reader has left it. (Without
	// that hold, the mapping went while the reader slept on it, and the
	// reader then waited, for ever, on whatever was mapped there next.)
	if p.results.enter() != nil {
		return
	}
	defer p.results.exit()
	rr := &p.rr
	polling := func() bool { return rr.pollers.Load() > 0 }
	for {
		if polling() {
			rr.parked.Store(true)
			if polling() && !p.isEnded() {
				<-rr.wake
			}
			rr.parked.Store(false)
		}
		// A result is due soon when tasks are out: poll for it rather than
		// sleep and be woken (5-10 µs each way).
		spin := time.Duration(0)
		if p.busy.Load() > 0 {
			spin = readerSpin
		}
		// Wait for a result without taking it: a caller who starts
		// polling meanwhile may take it first (Readable then reports
		// false, as for a closed queue).
		if _, err := p.results.r.Readable(context.Background(), polling, spin); err != nil {
			return
		}
		rr.mu.Lock()
		took, ok := p.takeResults()
		rr.mu.Unlock()
		if !ok || !took && p.results.r.Closed() {
			return
		}
		if took {
			// A caller parked in Future.Get was maybe just made ready on
			// this thread: let it run here now, rather than wait for the
			// thread the runtime wakes to take it.
			runtime.Gosched()
		}
	}
}

// takeResults passes the results there now, up to resultBatch, to the
// scheduler; with rr.mu held. ok is false once the pool has ended.
func (p *Pool) takeResults() (took, ok bool) {
	rr := &p.rr
	clear(rr.batch) // no payload of the last batch stays reachable
	rr.batch, rr.buf = rr.batch[:0], reuse(rr.buf, false)
	take := func(b []byte, _ uint16) error {
		if m, err := decodeResult(b); err == nil {
			if len(m.payload) > maxBatch {
				m.payload = bytes.Clone(m.payload) // not copied again as buf grows
			} else {
				start := len(rr.buf)
				rr.buf = append(rr.buf, m.payload...)
				m.payload = rr.buf[start:len(rr.buf):len(rr.buf)]
			}
			rr.batch = append(rr.batch, m)
		}
		return nil
	}
	for len(rr.batch) < resultBatch && p.results.r.Get(context.Background(), ring.Options{NoWait: true}, take) == nil {
	}
	if len(rr.batch) == 0 {
		return false, !p.isEnded()
	}
	ms := rr.batch
	rr.done, ok = p.doWith(func() {
		for _, m := range ms {
			p.onResult(m)
		}
	}, rr.done)
	return true, ok
}

// pollFor takes results until ready reports true or applyPoll has passed;
// the caller counted itself in rr.pollers first (before it submitted, so
// that the submission does not wake the reader goroutine).
func (p *Pool) pollFor(ready func() bool) {
	rr := &p.rr
	defer p.endPoll()
	if p.results.enter() != nil {
		return
	}
	defer p.results.exit()
	start := time.Now()
	for i := 1; !ready(); i++ {
		if p.results.r.Ready() && rr.mu.TryLock() {
			_, ok := p.takeResults()
			rr.mu.Unlock()
			if !ok {
				return
			}
		}
		if i%64 == 0 && time.Since(start) > applyPoll {
			return
		}
	}
}

// endPoll uncounts a polling caller, and wakes the reader goroutine when
// results are due that no caller polls for. Without tasks out it is left
// waiting off the queue (woken by the next task given out, a worker's end
// marker, or the pool's end), so that a run of Apply calls never wakes it.
func (p *Pool) endPoll() {
	if p.rr.pollers.Add(-1) == 0 && p.busy.Load() > 0 {
		p.wakeReader()
	}
}

// wakeReader puts the reader goroutine back on the result queue if it
// waits off it.
func (p *Pool) wakeReader() {
	if p.rr.parked.Load() {
		select {
		case p.rr.wake <- struct{}{}:
		default:
		}
	}
}

// isEnded reports that the pool has ended.
func (p *Pool) isEnded() bool {
	select {
	case <-p.stopped:
		return true
	default:
		return false
	}
}
