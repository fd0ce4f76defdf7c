package mproc

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"mproc/internal/auth"
	"mproc/internal/lockword"
	"mproc/internal/ring"
	"mproc/internal/wire"
)

// Sentinel errors, matched with errors.Is. Errors that cross from a child keep
// their sentinel: a child that returns an error wrapping ErrTimeout gives the
// parent a *RemoteError that matches ErrTimeout too.
var (
	ErrNotRegistered  = errors.New("mproc: function not registered")
	ErrNoMain         = errors.New("mproc: child did not call mproc.Main")
	ErrClosed         = ring.ErrClosed
	ErrNotStarted     = errors.New("mproc: process not started")
	ErrStarted        = errors.New("mproc: process already started")
	ErrStillRunning   = errors.New("mproc: process still running")
	ErrDaemonic       = errors.New("mproc: daemonic processes are not allowed to have children")
	ErrNoResult       = errors.New("mproc: process ended without a result")
	ErrTimeout        = errors.New("mproc: timeout")
	ErrEmpty          = ring.ErrEmpty // a Get found nothing in time (CPython's queue.Empty)
	ErrFull           = ring.ErrFull  // a Put found no room in time (CPython's queue.Full)
	ErrBrokenBarrier  = errors.New("mproc: broken barrier")
	ErrAuthentication = auth.ErrAuthentication
	// ErrNotHeld is returned when releasing a lock or semaphore more often
	// than it was acquired.
	ErrNotHeld = errors.New("mproc: release of a lock that is not held")
	// ErrOwnerDead is returned, with the lock held, by an acquirer that took
	// a lock whose holder had died holding it.
	ErrOwnerDead = lockword.ErrOwnerDead
	// ErrTaskDone is returned by TaskDone called more times than items
	// were put.
	ErrTaskDone = ring.ErrTaskDone
	// ErrUnencodable is matched by every error about a value that cannot be
	// sent to another process (funcs, chans, unexported fields, ...).
	ErrUnencodable = wire.ErrUnencodable
	// ErrCorrupt is matched by every error about received bytes that do not
	// decode: a message, a handle, a ring's frame, descriptors announced but
	// missing. It means a bug or a hostile peer, not a condition to retry.
	ErrCorrupt = wire.ErrCorrupt
	// ErrTooLarge means a message is above the size a frame may carry.
	ErrTooLarge = wire.ErrTooLarge
	// ErrCancelled is the error of a Future whose task was cancelled before
	// it ran.
	ErrCancelled = errors.New("mproc: task cancelled")
	// ErrTerminated is the error of the tasks still pending when a pool or
	// executor was terminated.
	ErrTerminated = errors.New("mproc: pool terminated")
	// ErrNotCreator is returned by Unlink in a process that did not create
	// the segment.
	ErrNotCreator = errors.New("mproc: only the creator unlinks shared memory")
	// ErrTooManyWaiters means more processes wait on a Condition than it has
	// room for.
	ErrTooManyWaiters = errors.New("mproc: too many waiters on a condition")
	// ErrBufferTooShort matches the *BufferTooShortError of RecvBytesInto.
	ErrBufferTooShort = errors.New("mproc: buffer too short for the message")
	// ErrWrongEnd is the error of sending on the receiving end of a one-way
	// pipe, or receiving on its sending end.
	ErrWrongEnd = errors.New("mproc: wrong end of a one-way pipe")
)

// Errors of the internal packages reach callers as these sentinels, and
// only these; errors_test.go checks every one of them:
//
//	internal/ring      ErrClosed, ErrEmpty, ErrFull, ErrTaskDone: aliased;
//	                   ErrCorrupt wraps ErrCorrupt; ErrPeerGone becomes
//	                   io.EOF (Recv) or io.ErrClosedPipe (Send) in pipe.go
//	internal/lockword  ErrOwnerDead: aliased
//	internal/auth      ErrAuthentication: aliased
//	internal/wire      ErrUnencodable, ErrCorrupt, ErrTooLarge: aliased
//	internal/shm       ErrUnknown wraps ErrCorrupt
//	internal/spawn     ErrMissingFDs wraps ErrCorrupt; ErrNoControl only
//	                   ends a child started without its control socket
//
// A context's errors are never translated: a call that gives up on its ctx
// returns an error matching ctx.Err() (see "Deadlines" in the package doc).

// gaveUp is the error of a call that gave up because ctx ended (see
// "Deadlines" in the package doc): ctx's error, and at a deadline also
// meaning, the sentinel CPython would raise at its timeout (ErrTimeout for a
// result, ErrFull, ErrEmpty...). A cancellation is only a cancellation.
func gaveUp(ctx context.Context, meaning error) error {
	err := ctx.Err()
	if meaning != nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", meaning, err)
	}
	return err
}

// sentinels maps the names sent by a child back to the parent's values;
// sentinelOrder fixes the order in which an error is matched against them.
var sentinels = map[string]error{
	"not_registered":    ErrNotRegistered,
	"closed":            ErrClosed,
	"timeout":           ErrTimeout,
	"empty":             ErrEmpty,
	"full":              ErrFull,
	"owner_dead":        ErrOwnerDead,
	"broken_barrier":    ErrBrokenBarrier,
	"authentication":    ErrAuthentication,
	"unencodable":       ErrUnencodable,
	"daemonic":          ErrDaemonic,
	"not_held":          ErrNotHeld,
	"task_done":         ErrTaskDone,
	"corrupt":           ErrCorrupt,
	"too_large":         ErrTooLarge,
	"cancelled":         ErrCancelled,
	"terminated":        ErrTerminated,
	"not_creator":       ErrNotCreator,
	"too_many_waiters":  ErrTooManyWaiters,
	"buffer_too_short":  ErrBufferTooShort,
	"wrong_end":         ErrWrongEnd,
	"no_result":         ErrNoResult,
	"not_started":       ErrNotStarted,
	"started":           ErrStarted,
	"still_running":     ErrStillRunning,
	"no_main":           ErrNoMain,
	"canceled":          context.Canceled,
	"deadline_exceeded": context.DeadlineExceeded,
}

var sentinelOrder = slices.Sorted(maps.Keys(sentinels))

// sentinelNames lists every sentinel err matches, so that all of them match
// on the other side too.
func sentinelNames(err error) []string {
	var names []string
	for _, name := range sentinelOrder {
		if errors.Is(err, sentinels[name]) {
			names = append(names, name)
		}
	}
	return names
}
