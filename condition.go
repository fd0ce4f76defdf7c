package mproc

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/fxamacker/cbor/v2"

	"mproc/internal/futex"
	"mproc/internal/lockword"
	"mproc/internal/shm"
	"mproc/internal/wire"
)

// Condition is a condition variable shared by processes (CPython's
// Condition): Wait releases the lock and sleeps until Notify, then takes
// the lock again. Waiters are woken in the order they came, and Notify(n)
// wakes exactly n of them (fewer if fewer wait); a waiter that died or gave
// up is skipped.
//
// A Condition is lock-like: Lock, Unlock, LockContext and TryLock take and
// release its lock, as that lock's owner (see RLock; NewOwner gives a
// goroutine a view with its own). The zero Condition is not usable: create
// one with NewCondition.
type Condition struct {
	ref      *segRef
	lock     SharedLock
	ownsLock bool // made by NewCondition(nil) or received: Close closes it
}

// The waiter queue: head and tail tickets, then slots, each a futex word
// (waiting, notified, abandoned), the waiter's pid and its ticket.
const (
	condHead      = 0
	condTail      = 4
	condSlots     = 64
	condSlotSize  = 16
	condCapacity  = (shm.PageSize - condSlots) / condSlotSize
	slotWaiting   = 0
	slotNotified  = 1
	slotAbandoned = 2
)

// NewCondition creates a condition on lock; a nil lock means a new RLock,
// as in CPython.
func NewCondition(lock SharedLock) (*Condition, error) {
	owns := lock == nil
	if owns {
		rl, err := NewRLock()
		if err != nil {
			return nil, err
		}
		lock = rl
	}
	seg, err := shm.New(shm.PageSize)
	if err != nil {
		if owns {
			lock.Close()
		}
		return nil, err
	}
	return &Condition{ref: newSegRef(seg), lock: lock, ownsLock: owns}, nil
}

func (c *Condition) usable() {
	if c == nil {
		panic("mproc: use of a nil Condition")
	}
	c.ref.usable("Condition")
}

func (c *Condition) err() error {
	if c == nil {
		return fmt.Errorf("%w: a nil Condition", ErrUnencodable)
	}
	if err := c.ref.err("Condition"); err != nil {
		return err
	}
	if c.lock.closed() {
		return fmt.Errorf("%w: the Condition's lock", ErrClosed)
	}
	return nil
}

type condSlot struct{ state, pid, ticket *uint32 }

func (c *Condition) slot(ticket uint32) condSlot {
	off := condSlots + int(ticket%condCapacity)*condSlotSize
	seg := c.ref.seg
	return condSlot{seg.Uint32(off), seg.Uint32(off + 4), seg.Uint32(off + 8)}
}

// NewOwner returns a view of the condition whose lock has a new owner (see
// RLock.NewOwner; on a Lock, owners make no difference). The view shares
// the condition: closing either closes both.
func (c *Condition) NewOwner() *Condition {
	c.usable()
	return &Condition{ref: c.ref, lock: c.lock.withNewOwner(), ownsLock: c.ownsLock}
}

// Lock takes the condition's lock, waiting as long as it takes.
func (c *Condition) Lock() { c.usable(); c.lock.Lock() }

// Unlock releases the condition's lock; see Lock.Unlock and RLock.Unlock.
func (c *Condition) Unlock() { c.usable(); c.lock.Unlock() }

// LockContext takes the condition's lock, or returns ctx's error; see
// Lock.LockContext.
func (c *Condition) LockContext(ctx context.Context) error {
	if err := c.err(); err != nil {
		return err
	}
	return c.lock.LockContext(ctx)
}

// TryLock takes the condition's lock if that needs no waiting, and reports
// whether it did.
func (c *Condition) TryLock() bool { c.usable(); return c.lock.TryLock() }

// Wait releases the lock, sleeps until notified, and takes the lock again.
// It returns ctx's error (CPython's False) when ctx ends first; the lock is
// held again either way. The caller must hold the lock.
func (c *Condition) Wait(ctx context.Context) error {
	if err := c.err(); err != nil {
		return err
	}
	if !c.lock.held() {
		return notHeld("wait")
	}
	head, tail := c.ref.seg.Uint32(condHead), c.ref.seg.Uint32(condTail)
	t := *tail
	if t-*head >= condCapacity {
		c.dropAbandoned()
		if t-*head >= condCapacity {
			return fmt.Errorf("%w (%d)", ErrTooManyWaiters, condCapacity)
		}
	}
	s := c.slot(t)
	atomic.StoreUint32(s.state, slotWaiting)
	atomic.StoreUint32(s.pid, lockword.Self)
	atomic.StoreUint32(s.ticket, t)
	atomic.StoreUint32(tail, t+1)

	n, err := c.lock.releaseAll()
	if err != nil {
		return err
	}
	notified := func() bool { return atomic.LoadUint32(s.ticket) != t || atomic.LoadUint32(s.state) != slotWaiting }
	if !lockword.Spin(notified) {
		stop := lockword.WakeOnDone(ctx, s.state)
		for !notified() && ctx.Err() == nil {
			futex.Wait(s.state, slotWaiting, lockword.SleepTime(ctx, 0))
		}
		stop()
	}
	if err := c.lock.restore(n); err != nil && !errors.Is(err, ErrOwnerDead) {
		return err
	}
	// With the lock held again: a reused slot was notified and passed over.
	if atomic.LoadUint32(s.ticket) != t || atomic.LoadUint32(s.state) == slotNotified {
		return nil
	}
	atomic.StoreUint32(s.state, slotAbandoned)
	return ctx.Err()
}

// WaitFor waits until pred returns true, checking it with the lock held
// before each wait (CPython's wait_for). It returns ctx's error if ctx ends
// with pred still false.
func (c *Condition) WaitFor(ctx context.Context, pred func() bool) error {
	for !pred() {
		if err := c.Wait(ctx); err != nil {
			if ctx.Err() != nil && pred() {
				return nil
			}
			return err
		}
	}
	return nil
}

// Notify wakes up to n waiters, oldest first. The caller must hold the lock.
func (c *Condition) Notify(n int) error {
	if err := c.err(); err != nil {
		return err
	}
	if !c.lock.heldByProcess() {
		return notHeld("notify")
	}
	head, tail := c.ref.seg.Uint32(condHead), c.ref.seg.Uint32(condTail)
	for n > 0 && *head != *tail {
		s := c.slot(*head)
		*head++
		if atomic.LoadUint32(s.state) != slotWaiting {
			continue
		}
		if pid := atomic.LoadUint32(s.pid); pid != lockword.Self && !lockword.PidAlive(int(pid)) {
			atomic.StoreUint32(s.state, slotAbandoned)
			continue
		}
		atomic.StoreUint32(s.state, slotNotified)
		futex.Wake(s.state, 1)
		n--
	}
	return nil
}

// NotifyAll wakes every waiter. The caller must hold the lock.
func (c *Condition) NotifyAll() error {
	if err := c.err(); err != nil {
		return err
	}
	return c.Notify(int(*c.ref.seg.Uint32(condTail) - *c.ref.seg.Uint32(condHead)))
}

// Close lets go of the condition in this process, for every view of it:
// its waiter queue's shared memory is unmapped here and its descriptor
// closed, and so is its lock if the condition made it (NewCondition(nil))
// or received it (as an argument); a lock passed to NewCondition stays the
// caller's to close. Other processes that have the condition keep using it;
// the kernel frees it with the last one. After Close, this process's Wait,
// WaitFor, Notify, NotifyAll and LockContext return ErrClosed and Lock,
// Unlock and TryLock panic. Closing again does nothing and returns nil.
// Close only a condition no goroutine of this process is using or waiting
// on.
func (c *Condition) Close() error {
	if c == nil {
		return nil
	}
	c.ref.close()
	if c.ownsLock {
		return c.lock.Close()
	}
	return nil
}

// dropAbandoned moves the head past slots nobody waits in any more.
func (c *Condition) dropAbandoned() {
	head, tail := c.ref.seg.Uint32(condHead), c.ref.seg.Uint32(condTail)
	for *head != *tail {
		s := c.slot(*head)
		st := atomic.LoadUint32(s.state)
		if st == slotWaiting && (atomic.LoadUint32(s.pid) == lockword.Self || lockword.PidAlive(int(atomic.LoadUint32(s.pid)))) {
			return
		}
		*head++
	}
}

func (c *Condition) attach(at *attachments) {
	if c.err() == nil {
		at.addSegment(c.ref.seg)
		c.lock.attach(at)
	}
}

type conditionWire struct {
	H     handle
	Lock  *Lock  `cbor:",omitempty"`
	RLock *RLock `cbor:",omitempty"`
}

// MarshalBinary encodes the condition and its lock as handles to their
// shared memory, which travels beside the message.
func (c *Condition) MarshalBinary() ([]byte, error) {
	if err := c.err(); err != nil {
		return nil, err
	}
	w := conditionWire{H: handle{Kind: "condition", Seg: c.ref.seg.Desc}}
	switch l := c.lock.(type) {
	case *Lock:
		w.Lock = l
	case *RLock:
		w.RLock = l
	}
	return wire.CBOR.Marshal(w)
}

// UnmarshalBinary finds the condition's shared memory, which came with the
// message.
func (c *Condition) UnmarshalBinary(b []byte) error {
	var w conditionWire
	if err := cbor.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("%w: condition: %v", wire.ErrCorrupt, err)
	}
	var lock SharedLock
	switch {
	case w.Lock != nil:
		lock = w.Lock
	case w.RLock != nil:
		lock = w.RLock
	default:
		return fmt.Errorf("%w: condition without a lock", wire.ErrCorrupt)
	}
	h, err := cbor.Marshal(w.H)
	if err != nil {
		lock.Close()
		return err
	}
	ref, _, err := unmarshalHandle(h, "condition", shm.PageSize)
	if err != nil {
		lock.Close()
		return err
	}
	c.ref, c.lock, c.ownsLock = ref, lock, true
	return nil
}
