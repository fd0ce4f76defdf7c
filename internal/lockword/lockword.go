// Package lockword is the waiting machinery of mproc's shared-memory
// objects: lock words that name their holder's pid and pass to the next
// acquirer when the holder dies, brief spinning before futex sleeps, and
// the liveness check that tells a dead holder from a live one.
package lockword

import (
	"context"
	"errors"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"mproc/internal/futex"
)

// The lock word of Lock and RLock: the holder's pid, and a flag that some
// process sleeps on the word and must be woken at release.
const (
	PidMask     = 1<<30 - 1
	WaitersFlag = 1 << 30
)

// Self is this process's pid as it appears in lock words.
var Self = uint32(os.Getpid()) // pids fit in 22 bits (pid_max ≤ 2^22)

// OwnerPoll is how often a sleeping waiter checks that the holder still
// lives; a lock held by a dead process passes on within about this long.
const OwnerPoll = 20 * time.Millisecond

// How long a waiter polls before it sleeps on the futex. A sleep and wake
// costs the waker a syscall and the sleeper a context switch, 5-10 µs on
// these machines, while a handoff to a process running on another core takes
// well under 1 µs. Locks spin briefly (a spinning waiter of a preempted
// holder only burns its core); events, whose other side is usually on its
// way to Set, spin longer, but not so long that they starve that other side
// on a busy machine.
const (
	LockSpin  = 3 * time.Microsecond
	EventSpin = 10 * time.Microsecond
)

// Spin polls cond for a lock's spin time before the caller sleeps.
func Spin(cond func() bool) bool { return SpinFor(cond, LockSpin) }

// SpinFor polls cond for about d, reading the clock every 64 polls and
// yielding to other goroutines every 1024.
func SpinFor(cond func() bool, d time.Duration) bool {
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

// SleepTime is how long to sleep on a futex: until the deadline, at most max
// (0: no limit).
func SleepTime(ctx context.Context, limit time.Duration) time.Duration {
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

// WakeOnDone wakes every sleeper on w when ctx ends, so that a cancelled
// wait returns at once instead of at its next poll; call the result to stop.
func WakeOnDone(ctx context.Context, w *uint32) func() bool {
	if ctx.Done() == nil {
		return func() bool { return true }
	}
	return context.AfterFunc(ctx, func() { futex.Wake(w, 1<<30) })
}

// ErrOwnerDead is returned, with the lock held, when its holder had died.
var ErrOwnerDead = errors.New("mproc: previous owner died")

// Lock acquires the lock word w for this process. It returns
// ErrOwnerDead, holding the lock, when it took it from a dead holder; ctx's
// error leaves the word as it was.
func Lock(ctx context.Context, w *uint32) error {
	if atomic.CompareAndSwapUint32(w, 0, Self) {
		return nil
	}
	if Spin(func() bool { return atomic.LoadUint32(w) == 0 && atomic.CompareAndSwapUint32(w, 0, Self) }) {
		return nil
	}
	stop := WakeOnDone(ctx, w)
	defer stop()
	for {
		v := atomic.LoadUint32(w)
		if v == 0 {
			// Others may sleep here too: keep the flag so our release wakes them.
			if atomic.CompareAndSwapUint32(w, 0, Self|WaitersFlag) {
				return nil
			}
			continue
		}
		if v&WaitersFlag == 0 {
			if !atomic.CompareAndSwapUint32(w, v, v|WaitersFlag) {
				continue
			}
			v |= WaitersFlag
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		woken := futex.Wait(w, v, SleepTime(ctx, OwnerPoll))
		if !woken && atomic.LoadUint32(w) == v && !PidAlive(int(v&PidMask)) {
			if atomic.CompareAndSwapUint32(w, v, Self|WaitersFlag) {
				return ErrOwnerDead
			}
		}
	}
}

// TryLock takes w if it is free, or held by a dead process.
func TryLock(w *uint32) (ok bool, ownerDied bool) {
	if atomic.CompareAndSwapUint32(w, 0, Self) {
		return true, false
	}
	v := atomic.LoadUint32(w)
	if v != 0 && !PidAlive(int(v&PidMask)) && atomic.CompareAndSwapUint32(w, v, Self|(v&WaitersFlag)) {
		return true, true
	}
	return false, false
}

// Unlock releases w and wakes one sleeper if any; false means w was
// not locked.
func Unlock(w *uint32) bool {
	old := atomic.SwapUint32(w, 0)
	if old&WaitersFlag != 0 {
		futex.Wake(w, 1)
	}
	return old != 0
}
