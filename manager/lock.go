package manager

import (
	"context"

	"mproc/internal/mgr"
)

// Lock is a proxy for a lock held by a Manager (CPython's m.Lock()). It is
// a sync.Locker, and may be released by any process, as CPython's. When
// every connection of a process that holds it is gone (the process died),
// the manager releases it.
type Lock struct{ l lockProxy }

// NewLock makes a lock, unlocked, in m.
func NewLock(ctx context.Context, m *Manager) (*Lock, error) {
	ref, err := m.create(ctx, mgr.KindLock)
	if err != nil {
		return nil, err
	}
	return &Lock{lockProxy{ref, "Lock"}}, nil
}

// Lock waits for the lock. It panics if it can't wait: the manager is
// gone (ErrGone), or the proxy is not one of its objects; LockContext
// returns those errors instead.
func (l *Lock) Lock() { l.l.lock() }

// LockContext waits for the lock as long as ctx allows. It returns an
// error matching ctx.Err() when ctx ends first, one matching ErrGone when
// the manager can't be reached, and leaves the lock unchanged then.
func (l *Lock) LockContext(ctx context.Context) error { return l.l.lockContext(ctx) }

// TryLock takes the lock if it is free now, and reports whether it did;
// it reports false too when the manager can't be reached.
func (l *Lock) TryLock() bool { return l.l.tryLock() }

// Unlock releases the lock. It panics, as sync.Mutex does, when the lock
// is not held, and when the manager can't be reached.
func (l *Lock) Unlock() { l.l.unlock() }

// Locked reports whether someone holds the lock (CPython's locked()).
func (l *Lock) Locked(ctx context.Context) (bool, error) { return l.l.locked(ctx) }

// MarshalBinary encodes the proxy as its manager's address and the lock's
// id.
func (l *Lock) MarshalBinary() ([]byte, error) { return l.l.ref.marshal("Lock") }

// UnmarshalBinary makes the proxy reach the same lock.
func (l *Lock) UnmarshalBinary(b []byte) (err error) {
	l.l.kind = "Lock"
	l.l.ref, err = unmarshalRef(b, "Lock")
	return err
}
