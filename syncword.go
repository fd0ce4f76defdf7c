package mproc

import (
	"context"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"mproc/internal/futex"
)

// The lock word of Lock and RLock: the holder's pid, and a flag that some
// process sleeps on the word and must be woken at release.
const (
	pidMask     = 1<<30 - 1
	waitersFlag = 1 << 30
)

var selfPid = uint32(os.Getpid()) // pids fit in 22 bits (pid_max ≤ 2^22)

// ownerPoll is how often a sleeping waiter checks that the holder still
// lives; a lock held by a dead process passes on within about this long.
const ownerPoll = 20 * time.Millisecond

// How long a waiter polls before it sleeps on the futex. A sleep and wake
// costs the waker a syscall and the sleeper a context switch, 5-10 µs on
// these machines, while a handoff to a process running on another core takes
// well under 1 µs. Locks spin briefly (a spinning waiter of a preempted
// holder only burns its core); events, whose other side is usually on its
// way to Set, spin longer, but not so long that they starve that other side
// on a busy machine.
const (
	lockSpin  = 3 * time.Microsecond
	eventSpin = 10 * time.Microsecond
)

// spin polls cond for a lock's spin time before the caller sleeps.
func spin(cond func() bool) bool { return spinFor(cond, lockSpin) }

// spinFor polls cond for about d, reading the clock every 64 polls and
// yielding to other goroutines every 1024.
func spinFor(cond func() bool, d time.Duration) bool {
	start := time.Now()
	for i := 1; ; i++ {
		if cond() {
			return true
		}
		if i%64 == 0 {
			if time.Since(start) > d {
				return false
			}
			if i%1024 == 0 {
				runtime.Gosched()
			}
		}
	}
}

// sleepTime is how long to sleep on a futex: until the deadline, at most max
// (0: no limit).
func sleepTime(ctx context.Context, limit time.Duration) time.Duration {
	d, ok := ctx.Deadline()
	if !ok {
		return limit
	}
	left := time.Until(d)
	if left <= 0 {
		return time.Nanosecond
	}
	if limit > 0 && left > limit {
		return limit
	}
	return left
}

// wakeOnDone wakes every sleeper on w when ctx ends, so that a cancelled
// wait returns at once instead of at its next poll; call the result to stop.
func wakeOnDone(ctx context.Context, w *uint32) func() bool {
	if ctx.Done() == nil {
		return func() bool { return true }
	}
	return context.AfterFunc(ctx, func() { futex.Wake(w, 1<<30) })
}

// lockWord acquires the lock word w for this process. It returns
// ErrOwnerDead, holding the lock, when it took it from a dead holder; ctx's
// error leaves the word as it was.
func lockWord(ctx context.Context, w *uint32) error {
	if atomic.CompareAndSwapUint32(w, 0, selfPid) {
		return nil
	}
	if spin(func() bool { return atomic.LoadUint32(w) == 0 && atomic.CompareAndSwapUint32(w, 0, selfPid) }) {
		return nil
	}
	stop := wakeOnDone(ctx, w)
	defer stop()
	for {
		v := atomic.LoadUint32(w)
		if v == 0 {
			// Others may sleep here too: keep the flag so our release wakes them.
			if atomic.CompareAndSwapUint32(w, 0, selfPid|waitersFlag) {
				return nil
			}
			continue
		}
		if v&waitersFlag == 0 {
			if !atomic.CompareAndSwapUint32(w, v, v|waitersFlag) {
				continue
			}
			v |= waitersFlag
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		woken := futex.Wait(w, v, sleepTime(ctx, ownerPoll))
		if !woken && atomic.LoadUint32(w) == v && !pidAlive(int(v&pidMask)) {
			if atomic.CompareAndSwapUint32(w, v, selfPid|waitersFlag) {
				return ErrOwnerDead
			}
		}
	}
}

// tryLockWord takes w if it is free, or held by a dead process.
func tryLockWord(w *uint32) (ok bool, ownerDied bool) {
	if atomic.CompareAndSwapUint32(w, 0, selfPid) {
		return true, false
	}
	v := atomic.LoadUint32(w)
	if v != 0 && !pidAlive(int(v&pidMask)) && atomic.CompareAndSwapUint32(w, v, selfPid|(v&waitersFlag)) {
		return true, true
	}
	return false, false
}

// unlockWord releases w and wakes one sleeper if any; false means w was
// not locked.
func unlockWord(w *uint32) bool {
	old := atomic.SwapUint32(w, 0)
	if old&waitersFlag != 0 {
		futex.Wake(w, 1)
	}
	return old != 0
}
