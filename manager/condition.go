package mproc

import (
	"context"
	"errors"

	"mproc/internal/mgr"
)

// ManagedCondition is a proxy for a condition variable held by a Manager
// (CPython's m.Condition()), over one of the manager's locks.
type ManagedCondition struct {
	ref  proxyRef
	Lock *ManagedLock // the condition's lock
}

// Condition makes a condition over lock (nil: a new RLock).
func (m *Manager) Condition(ctx context.Context, lock *ManagedLock) (*ManagedCondition, error) {
	if lock == nil {
		var err error
		if lock, err = m.RLock(ctx); err != nil {
			return nil, err
		}
	}
	if lock.ref.cl != m.cl {
		return nil, errors.New("mproc: a condition's lock must belong to the same manager")
	}
	ref, err := m.create(ctx, mgr.KindCondition, u64Arg(lock.ref.id))
	if err != nil {
		return nil, err
	}
	return &ManagedCondition{ref: ref, Lock: lock}, nil
}

// Acquire takes the condition's lock.
func (c *ManagedCondition) Acquire(ctx context.Context) error { return c.Lock.Acquire(ctx) }

// Release lets go of the condition's lock.
func (c *ManagedCondition) Release(ctx context.Context) error { return c.Lock.Release(ctx) }

// Wait releases the lock, waits for a Notify or for ctx to end, and takes
// the lock back before it returns (even when ctx ended: then it returns
// ctx's error). The caller must hold the lock (else ErrNotHeld).
func (c *ManagedCondition) Wait(ctx context.Context) error {
	vals, err := c.ref.call(ctx, mgr.OpCondWait)
	if err != nil {
		return err
	}
	notified, err := boolVal(vals)
	if err == nil && !notified {
		if err = ctx.Err(); err == nil {
			err = context.DeadlineExceeded
		}
	}
	return err
}

// WaitFor waits until pred returns true, checking it after each wake-up,
// with the lock held (CPython's wait_for).
func (c *ManagedCondition) WaitFor(ctx context.Context, pred func() bool) error {
	for !pred() {
		if err := c.Wait(ctx); err != nil {
			if pred() {
				return nil
			}
			return err
		}
	}
	return nil
}

// Notify wakes up to n waiters; the caller must hold the lock.
func (c *ManagedCondition) Notify(ctx context.Context, n int) error {
	_, err := c.ref.call(ctx, mgr.OpCondNotify, u64Arg(uint64(max(n, 0))))
	return err
}

// NotifyAll wakes every waiter; the caller must hold the lock.
func (c *ManagedCondition) NotifyAll(ctx context.Context) error {
	_, err := c.ref.call(ctx, mgr.OpCondNotifyAll)
	return err
}

type managedCondWire struct {
	Cond, Lock []byte
}

// MarshalCBOR encodes the proxy as its manager's address and the ids of the
// condition and its lock.
func (c *ManagedCondition) MarshalCBOR() ([]byte, error) {
	cb, err := c.ref.marshal("ManagedCondition")
	if err != nil {
		return nil, err
	}
	lb, err := c.Lock.MarshalCBOR()
	if err != nil {
		return nil, err
	}
	return mgrCBOR(managedCondWire{cb, lb})
}

// UnmarshalCBOR makes the proxy reach the same condition.
func (c *ManagedCondition) UnmarshalCBOR(b []byte) error {
	var w managedCondWire
	if err := mgrUnCBOR(b, &w); err != nil {
		return err
	}
	ref, err := unmarshalRef(w.Cond, "ManagedCondition")
	if err != nil {
		return err
	}
	c.ref, c.Lock = ref, &ManagedLock{}
	return c.Lock.UnmarshalCBOR(w.Lock)
}
