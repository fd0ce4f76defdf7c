package manager

import (
	"context"
	"errors"
	"sync"

	"mproc/internal/mgr"
)

// Condition is a proxy for a condition variable held by a Manager
// (CPython's m.Condition()), over one of the manager's locks. It is
// lock-like: Lock, LockContext, TryLock and Unlock act on its lock, as
// with Lock and RLock.
type Condition struct {
	ref proxyRef
	l   lockProxy // the condition's lock
}

// NewCondition makes a condition in m over lock, a *Lock or *RLock of m;
// nil makes a new RLock for it, as CPython's default.
func NewCondition(ctx context.Context, m *Manager, lock sync.Locker) (*Condition, error) {
	var l lockProxy
	switch lk := lock.(type) {
	case nil:
		r, err := NewRLock(ctx, m)
		if err != nil {
			return nil, err
		}
		l = r.l
	case *Lock:
		l = lk.l
	case *RLock:
		l = lk.l
	default:
		return nil, errors.New("manager: a condition's lock must be a *manager.Lock or *manager.RLock")
	}
	if m == nil || l.ref.cl != m.cl {
		return nil, errors.New("manager: a condition's lock must belong to the same manager")
	}
	ref, err := m.create(ctx, mgr.KindCondition, u64Arg(l.ref.id))
	if err != nil {
		return nil, err
	}
	return &Condition{ref: ref, l: l}, nil
}

// NewOwner returns a view of the same condition for a new owner in this
// process, as RLock.NewOwner does: its lock and its waits act for that
// owner.
func (c *Condition) NewOwner() *Condition {
	l := c.l.withNewOwner()
	ref := c.ref
	ref.token = l.ref.token
	return &Condition{ref: ref, l: l}
}

// Lock takes the condition's lock; it panics as Lock.Lock does.
func (c *Condition) Lock() { c.l.lock() }

// LockContext takes the condition's lock as long as ctx allows, as
// Lock.LockContext does.
func (c *Condition) LockContext(ctx context.Context) error { return c.l.lockContext(ctx) }

// TryLock takes the condition's lock if it is free now.
func (c *Condition) TryLock() bool { return c.l.tryLock() }

// Unlock releases the condition's lock; it panics as Lock.Unlock does.
func (c *Condition) Unlock() { c.l.unlock() }

// Wait releases the lock, waits for a Notify or for ctx to end, and takes
// the lock back for ctx's owner before it returns, even when ctx ended:
// then it returns an error matching ctx.Err(). The caller must hold the
// lock (else an error matching mproc.ErrNotHeld).
func (c *Condition) Wait(ctx context.Context) error {
	vals, err := c.ref.call(ctx, mgr.OpCondWait)
	if err != nil {
		return err
	}
	c.l.took()
	notified, err := boolVal(vals)
	if err == nil && !notified {
		if err = ctx.Err(); err == nil {
			err = context.DeadlineExceeded // the manager saw the deadline first
		}
	}
	return err
}

// WaitFor waits until pred returns true, checking it after each wake-up,
// with the lock held (CPython's wait_for).
func (c *Condition) WaitFor(ctx context.Context, pred func() bool) error {
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
func (c *Condition) Notify(ctx context.Context, n int) error {
	_, err := c.ref.call(ctx, mgr.OpCondNotify, u64Arg(uint64(max(n, 0))))
	return err
}

// NotifyAll wakes every waiter; the caller must hold the lock.
func (c *Condition) NotifyAll(ctx context.Context) error {
	_, err := c.ref.call(ctx, mgr.OpCondNotifyAll)
	return err
}

type condWire struct {
	Cond, Lock []byte
	Kind       string
}

// MarshalBinary encodes the proxy as its manager's address and the ids of
// the condition and its lock.
func (c *Condition) MarshalBinary() ([]byte, error) {
	cb, err := c.ref.marshal("Condition")
	if err != nil {
		return nil, err
	}
	lb, err := c.l.ref.marshal("Condition")
	if err != nil {
		return nil, err
	}
	return encodeWire(condWire{cb, lb, c.l.kind})
}

// UnmarshalBinary makes the proxy reach the same condition.
func (c *Condition) UnmarshalBinary(b []byte) error {
	var w condWire
	if err := decodeWire(b, &w); err != nil {
		return err
	}
	ref, err := unmarshalRef(w.Cond, "Condition")
	if err != nil {
		return err
	}
	lref, err := unmarshalRef(w.Lock, "Condition")
	if err != nil {
		return err
	}
	c.ref, c.l = ref, lockProxy{lref, w.Kind}
	return nil
}
