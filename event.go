package mproc

import (
	"context"
	"sync/atomic"

	"mproc/internal/futex"
	"mproc/internal/shm"
)

// Event is a flag shared by processes (CPython's Event): Wait blocks until
// some process Sets it. The zero Event is not usable: create one with
// NewEvent.
type Event struct {
	seg *shm.Segment
	off int
}

// Layout at off: the flag, sleepers, and the number of Sets so far (the
// futex word), so that a Set wakes its waiters even if a Clear follows at
// once, as with threading.Event.
const (
	eventSleepers = 4
	eventSets     = 8
)

// NewEvent creates a clear Event.
func NewEvent() (*Event, error) {
	seg, err := shm.New(shm.PageSize)
	if err != nil {
		return nil, err
	}
	return &Event{seg: seg}, nil
}

func (e *Event) words() (flag, sleepers, sets *uint32) {
	if e == nil || e.seg == nil {
		panic("mproc: use of an Event not made by NewEvent")
	}
	return e.seg.Uint32(e.off), e.seg.Uint32(e.off + eventSleepers), e.seg.Uint32(e.off + eventSets)
}

// Set sets the flag and wakes every waiter.
func (e *Event) Set() {
	flag, sleepers, sets := e.words()
	atomic.StoreUint32(flag, 1)
	atomic.AddUint32(sets, 1)
	if atomic.LoadUint32(sleepers) > 0 {
		futex.Wake(sets, 1<<30)
	}
}

// Clear clears the flag.
func (e *Event) Clear() {
	flag, _, _ := e.words()
	atomic.StoreUint32(flag, 0)
}

// IsSet reports whether the flag is set.
func (e *Event) IsSet() bool {
	flag, _, _ := e.words()
	return atomic.LoadUint32(flag) != 0
}

// Wait blocks until the flag is set, or returns ctx's error (CPython's
// False for wait(timeout=...)). A waiter that was waiting when Set was
// called returns even if the flag was cleared again before it woke.
func (e *Event) Wait(ctx context.Context) error {
	flag, sleepers, sets := e.words()
	seen := atomic.LoadUint32(sets)
	ready := func() bool { return atomic.LoadUint32(flag) != 0 || atomic.LoadUint32(sets) != seen }
	if ready() || spinFor(ready, eventSpin) {
		return nil
	}
	stop := wakeOnDone(ctx, sets)
	defer stop()
	for !ready() {
		if err := ctx.Err(); err != nil {
			return err
		}
		atomic.AddUint32(sleepers, 1)
		futex.Wait(sets, seen, sleepTime(ctx, 0))
		atomic.AddUint32(sleepers, ^uint32(0))
	}
	return nil
}

func (e *Event) segments() []*shm.Segment { return []*shm.Segment{e.seg} }

// MarshalCBOR encodes the event as a handle to its shared memory.
func (e *Event) MarshalCBOR() ([]byte, error) { return marshalHandle("event", e.seg, e.off) }

// UnmarshalCBOR finds the event's shared memory, which came with the message.
func (e *Event) UnmarshalCBOR(b []byte) (err error) {
	e.seg, e.off, err = unmarshalHandle(b, "event", 12)
	return err
}
