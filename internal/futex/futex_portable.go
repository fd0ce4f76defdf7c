//go:build !linux || mproc_portable

package futex

import (
	"runtime"
	"sync/atomic"
	"time"
)

// The poll's bounds: a waiter spins this many times, then sleeps from
// minPause, doubling up to maxPause, between looks at the word.
const (
	spins    = 64
	minPause = 20 * time.Microsecond
	maxPause = time.Millisecond
	// unbounded caps a wait without a limit: it returns (as a spurious
	// wake-up) so that its caller re-checks a context that a wake-up
	// racing with the caller's last check would otherwise leave unseen.
	unbounded = 50 * time.Millisecond
)

var (
	waiters atomic.Int32                  // waits in progress in this process
	wakeCh  atomic.Pointer[chan struct{}] // closed by Wake, then replaced
)

func init() {
	ch := make(chan struct{})
	wakeCh.Store(&ch)
}

// Wait sleeps while *addr == val, for at most d (d <= 0: no limit). It
// returns true when woken or when *addr differed, false on timeout. Spurious
// wake-ups are possible: callers re-check their condition.
func Wait(addr *uint32, val uint32, d time.Duration) bool {
	waiters.Add(1)
	defer waiters.Add(-1)
	woken := *wakeCh.Load()
	for range spins {
		if atomic.LoadUint32(addr) != val {
			return true
		}
		runtime.Gosched()
	}
	limit, timeout := d, true
	if d <= 0 {
		limit, timeout = unbounded, false
	}
	deadline := time.Now().Add(limit)
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for pause := minPause; ; pause = min(2*pause, maxPause) {
		if atomic.LoadUint32(addr) != val {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return !timeout
		}
		t.Reset(min(pause, left))
		select {
		case <-woken:
			return true
		case <-t.C:
		}
	}
}

// Wake wakes every waiter of this process (n is not heeded: callers
// tolerate spurious wake-ups) and returns how many were waiting. Waiters in
// other processes notice the word's change at their next poll.
func Wake(addr *uint32, n int) int {
	w := int(waiters.Load())
	if w == 0 {
		return 0
	}
	ch := make(chan struct{})
	close(*wakeCh.Swap(&ch))
	return w
}
