package mproc

import (
	"context"

	"mproc/internal/mgr"
)

// ManagedLock is a proxy for a Lock or RLock held by a Manager (CPython's
// m.Lock() and m.RLock()). Its owner is this process, or the owner ctx
// carries (WithOwner), as with RLock. When every connection of a process
// that holds it is gone (the process died), the manager releases it.
type ManagedLock struct{ ref proxyRef }

// Lock makes a lock in the manager.
func (m *Manager) Lock(ctx context.Context) (*ManagedLock, error) {
	return m.newLock(ctx, mgr.KindLock)
}

// RLock makes a re-entrant lock in the manager: its owner may acquire it
// again, and must release it as often.
func (m *Manager) RLock(ctx context.Context) (*ManagedLock, error) {
	return m.newLock(ctx, mgr.KindRLock)
}

func (m *Manager) newLock(ctx context.Context, kind string) (*ManagedLock, error) {
	ref, err := m.create(ctx, kind)
	if err != nil {
		return nil, err
	}
	return &ManagedLock{ref}, nil
}

// Acquire waits for the lock as long as ctx allows (then an error matching
// ErrTimeout).
func (l *ManagedLock) Acquire(ctx context.Context) error {
	_, err := l.ref.call(ctx, mgr.OpAcquire)
	return err
}

// TryAcquire takes the lock if it is free now.
func (l *ManagedLock) TryAcquire(ctx context.Context) (bool, error) {
	_, err := l.ref.callNoWait(ctx, mgr.OpAcquire)
	return notTimedOut(err)
}

// notTimedOut turns a try's timeout into false.
func notTimedOut(err error) (bool, error) {
	switch {
	case err == nil:
		return true, nil
	case isTimeout(err):
		return false, nil
	}
	return false, err
}

func isTimeout(err error) bool {
	r, ok := err.(*managerErr)
	return err == ErrTimeout || ok && r.sentinel == ErrTimeout
}

// Release lets go of the lock; releasing one that is not held (or an RLock
// held by another owner) is an error matching ErrNotHeld.
func (l *ManagedLock) Release(ctx context.Context) error {
	_, err := l.ref.call(ctx, mgr.OpRelease)
	return err
}

// Locked reports whether someone holds the lock.
func (l *ManagedLock) Locked(ctx context.Context) (bool, error) {
	vals, err := l.ref.call(ctx, mgr.OpLocked)
	if err != nil {
		return false, err
	}
	return boolVal(vals)
}

// MarshalCBOR encodes the proxy as its manager's address and the lock's id.
func (l *ManagedLock) MarshalCBOR() ([]byte, error) { return l.ref.marshal("ManagedLock") }

// UnmarshalCBOR makes the proxy reach the same lock.
func (l *ManagedLock) UnmarshalCBOR(b []byte) (err error) {
	l.ref, err = unmarshalRef(b, "ManagedLock")
	return err
}
