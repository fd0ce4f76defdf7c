package cluster

import (
	"errors"
	"fmt"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrVersionMismatch is the error of Serve when the pool's tasks come
	// from another version of the program: another WithVersion, or a
	// function registered with other types, or not at all.
	ErrVersionMismatch = errors.New("cluster: worker and pool are different versions of the program")
	// ErrStaleToken is the error of Lock.Check for a fencing token that is
	// no longer the holder's: the lock expired or passed to another.
	ErrStaleToken = errors.New("cluster: stale fencing token")
	// ErrNotFound is the error of Dict.Get for a key that has no value.
	ErrNotFound = errors.New("cluster: key not found")
	// ErrExists is the error of Dict.Create for a key that has a value.
	ErrExists = errors.New("cluster: key exists")
	// ErrConflict is the error of Dict.Update when the key changed since the
	// revision given (compare-and-set lost).
	ErrConflict = errors.New("cluster: key changed since the revision given")
	// ErrLockLost is the error of Unlock when the lock had expired (its
	// holder could not renew it in time) or been taken by another.
	ErrLockLost = errors.New("cluster: lock lost")
	// ErrBadName is the error for a pool, queue, dict or lock name that
	// NATS can't carry.
	ErrBadName = errors.New("cluster: bad name")
)

// VersionError says how a worker and a pool differ.
type VersionError struct {
	Pool   string
	Worker string // the worker's version
	Tasks  string // the version of the pool's tasks
	Detail string // a function's difference, when the versions agree
}

func (e *VersionError) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("cluster: pool %q: %s; rebuild the worker from the pool's program", e.Pool, e.Detail)
	}
	return fmt.Sprintf("cluster: pool %q runs version %q, this worker is %q; rebuild the worker from the pool's program (or set the same WithVersion)", e.Pool, e.Tasks, e.Worker)
}

func (e *VersionError) Unwrap() error { return ErrVersionMismatch }

// DeliveryError is the error of a task that was delivered as many times as
// WithMaxDeliveries allows and lost its worker every time.
type DeliveryError struct {
	ID         string // the task's id
	Deliveries int
	Last       error // the last delivery's error, when a worker could report it
}

func (e *DeliveryError) Error() string {
	if e.Last != nil {
		return fmt.Sprintf("cluster: task %s failed on each of %d deliveries, the last with: %v", e.ID, e.Deliveries, e.Last)
	}
	return fmt.Sprintf("cluster: task %s was delivered %d times and its worker was lost each time", e.ID, e.Deliveries)
}

func (e *DeliveryError) Unwrap() error { return e.Last }
