package manager

import (
	"context"

	"mproc/internal/mgr"
)

// RLock is a proxy for a re-entrant lock held by a Manager (CPython's
// m.RLock()): its owner may take it again, and must release it as often.
// It is a sync.Locker. When every connection of a process that holds it is
// gone (the process died), the manager releases it.
//
// The owner is explicit, as with mproc.RLock: a proxy from NewRLock, or
// received as an argument, acts for the calling process, and every
// goroutine of the process counts as that one owner. Goroutines that must
// exclude each other each take their own view with NewOwner.
type RLock struct{ l lockProxy }

// NewRLock makes a re-entrant lock, unlocked, in m.
func NewRLock(ctx context.Context, m *Manager) (*RLock, error) {
	ref, err := m.create(ctx, mgr.KindRLock)
	if err != nil {
		return nil, err
	}
	return &RLock{lockProxy{ref, "RLock"}}, nil
}

// NewOwner returns a view of the same lock that acts for a new owner in
// this process: views exclude each other, and each re-enters itself. A
// view sent to another process acts for that process there.
func (r *RLock) NewOwner() *RLock { return &RLock{r.l.withNewOwner()} }

// Lock takes the lock for this view's owner, again if it holds it. It
// panics if it can't wait: the manager is gone (ErrGone), or the proxy is
// not one of its objects; LockContext returns those errors instead.
func (r *RLock) Lock() { r.l.lock() }

// LockContext takes the lock for this view's owner, again if it holds it,
// waiting as long as ctx allows. It returns an error matching ctx.Err()
// when ctx ends first, one matching ErrGone when the manager can't be
// reached, and leaves the lock unchanged then.
func (r *RLock) LockContext(ctx context.Context) error { return r.l.lockContext(ctx) }

// TryLock takes the lock for this view's owner if that needs no
// waiting, and reports whether it did; it reports false too when the
// manager can't be reached.
func (r *RLock) TryLock() bool { return r.l.tryLock() }

// Unlock releases one hold. It panics, as sync.Mutex does, when this
// view's owner does not hold the lock, and when the manager can't be reached.
func (r *RLock) Unlock() { r.l.unlock() }

// Locked reports whether someone holds the lock.
func (r *RLock) Locked(ctx context.Context) (bool, error) { return r.l.locked(ctx) }

// MarshalBinary encodes the proxy as its manager's address and the lock's
// id.
func (r *RLock) MarshalBinary() ([]byte, error) { return r.l.ref.marshal("RLock") }

// UnmarshalBinary makes the proxy reach the same lock.
func (r *RLock) UnmarshalBinary(b []byte) (err error) {
	r.l.kind = "RLock"
	r.l.ref, err = unmarshalRef(b, "RLock")
	return err
}
