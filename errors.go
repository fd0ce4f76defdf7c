package mproc

import (
	"context"
	"errors"
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
)

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
