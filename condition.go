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
// up is skipped. The zero Condition is not usable: create one with
// NewCondition.
type Condition struct {
	seg  *shm.Segment
	lock SharedLock
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
	if lock == nil {
		rl, err := NewRLock()
		if err != nil {
			return nil, err
		}
		lock = rl
	}
	seg, err := shm.New(shm.PageSize)
	if err != nil {
		return nil, err
	}
	return &Condition{seg: seg, lock: lock}, nil
}

func (c *Condition) check() {
	if c == nil || c.seg == nil {
		panic("mproc: use of a Condition not made by NewCondition")
	}
}

type condSlot struct{ state, pid, ticket *uint32 }

func (c *Condition) slot(ticket uint32) condSlot {
	off := condSlots + int(ticket%condCapacity)*condSlotSize
	return condSlot{c.seg.Uint32(off), c.seg.Uint32(off + 4), c.seg.Uint32(off + 8)}
}

// Lock is the condition's lock.
func (c *Condition) Lock() SharedLock { c.check(); return c.lock }

// Acquire takes the condition's lock.
func (c *Condition) Acquire(ctx context.Context) error { c.check(); return c.lock.acquire(ctx) }

// Release releases the condition's lock.
func (c *Condition) Release(ctx context.Context) error { c.check(); return c.lock.release(ctx) }

// Wait releases the lock, sleeps until notified, and takes the lock again.
// It returns ctx's error (CPython's False) when ctx ends first; the lock is
// held again either way. The caller must hold the lock.
func (c *Condition) Wait(ctx context.Context) error {
	c.check()
	if !c.lock.held(ctx) {
		return notHeld("wait")
	}
	head, tail := c.seg.Uint32(condHead), c.seg.Uint32(condTail)
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

	n, err := c.lock.releaseAll(ctx)
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
	if err := c.lock.restore(ctx, n); err != nil && !errors.Is(err, ErrOwnerDead) {
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
	c.check()
	if !c.heldByProcess() {
		return notHeld("notify")
	}
	head, tail := c.seg.Uint32(condHead), c.seg.Uint32(condTail)
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
	c.check()
	return c.Notify(int(*c.seg.Uint32(condTail) - *c.seg.Uint32(condHead)))
}

// heldByProcess reports whether this process holds the lock under any owner
// (an RLock taken with WithOwner).
func (c *Condition) heldByProcess() bool {
	switch l := c.lock.(type) {
	case *RLock:
		w, _, _ := l.words()
		return atomic.LoadUint32(w)&lockword.PidMask == lockword.Self
	case *Lock:
		return atomic.LoadUint32(l.word())&lockword.PidMask == lockword.Self
	}
	return false
}

// dropAbandoned moves the head past slots nobody waits in any more.
func (c *Condition) dropAbandoned() {
	head, tail := c.seg.Uint32(condHead), c.seg.Uint32(condTail)
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
	at.addSegment(c.seg)
	c.lock.attach(at)
}

type conditionWire struct {
	H     handle
	Lock  *Lock  `cbor:",omitempty"`
	RLock *RLock `cbor:",omitempty"`
}

// MarshalCBOR encodes the condition and its lock as handles.
func (c *Condition) MarshalCBOR() ([]byte, error) {
	if c.seg == nil {
		return nil, fmt.Errorf("%w: a zero Condition", ErrUnencodable)
	}
	w := conditionWire{H: handle{Kind: "condition", Seg: c.seg.Desc}}
	switch l := c.lock.(type) {
	case *Lock:
		w.Lock = l
	case *RLock:
		w.RLock = l
	}
	return wire.CBOR.Marshal(w)
}

// UnmarshalCBOR finds the condition's shared memory, which came with the message.
func (c *Condition) UnmarshalCBOR(b []byte) error {
	var w conditionWire
	if err := cbor.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("%w: condition: %v", wire.ErrCorrupt, err)
	}
	h, err := cbor.Marshal(w.H)
	if err != nil {
		return err
	}
	seg, _, err := unmarshalHandle(h, "condition", shm.PageSize)
	if err != nil {
		return err
	}
	switch {
	case w.Lock != nil:
		c.lock = w.Lock
	case w.RLock != nil:
		c.lock = w.RLock
	default:
		return fmt.Errorf("%w: condition without a lock", wire.ErrCorrupt)
	}
	c.seg = seg
	return nil
}
