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
// The owner is this process, or the owner ctx carries (mproc.WithOwner),
// as with mproc.RLock: goroutines of one process that carry different
// owners exclude each other. Unlock, which has no ctx, releases for the
// owner in this process that holds the lock.
type RLock struct{ l lockProxy }

// NewRLock makes a re-entrant lock, unlocked, in m.
func NewRLock(ctx context.Context, m *Manager) (*RLock, error) {
	ref, err := m.create(ctx, mgr.KindRLock)
	if err != nil {
		return nil, err
	}
	return &RLock{lockProxy{ref, "RLock"}}, nil
}

// Lock takes the lock for this process's owner, again if it holds it. It
// panics if it can't wait: the manager is gone (ErrGone), or the proxy is
// not one of its objects; LockContext returns those errors instead.
func (r *RLock) Lock() { r.l.lock() }

// LockContext takes the lock for ctx's owner, again if it holds it,
// waiting as long as ctx allows. It returns an error matching ctx.Err()
// when ctx ends first, one matching ErrGone when the manager can't be
// reached, and leaves the lock unchanged then.
func (r *RLock) LockContext(ctx context.Context) error { return r.l.lockContext(ctx) }

// TryLock takes the lock for this process's owner if that needs no
// waiting, and reports whether it did; it reports false too when the
// manager can't be reached.
func (r *RLock) TryLock() bool { return r.l.tryLock() }

// Unlock releases one hold. It panics, as sync.Mutex does, when this
// process does not hold the lock, and when the manager can't be reached.
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
