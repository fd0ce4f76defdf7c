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

const eventSleepers = 4 // the flag (the futex word) is at off

// NewEvent creates a clear Event.
func NewEvent() (*Event, error) {
	seg, err := shm.New(shm.PageSize)
	if err != nil {
		return nil, err
	}
	return &Event{seg: seg}, nil
}

func (e *Event) words() (flag, sleepers *uint32) {
	if e == nil || e.seg == nil {
		panic("mproc: use of an Event not made by NewEvent")
	}
	return e.seg.Uint32(e.off), e.seg.Uint32(e.off + eventSleepers)
}

// Set sets the flag and wakes every waiter.
func (e *Event) Set() {
	flag, sleepers := e.words()
	atomic.StoreUint32(flag, 1)
	if atomic.LoadUint32(sleepers) > 0 {
		futex.Wake(flag, 1<<30)
	}
}

// Clear clears the flag.
func (e *Event) Clear() {
	flag, _ := e.words()
	atomic.StoreUint32(flag, 0)
}

// IsSet reports whether the flag is set.
func (e *Event) IsSet() bool {
	flag, _ := e.words()
	return atomic.LoadUint32(flag) != 0
}

// Wait blocks until the flag is set, or returns ctx's error (CPython's
// False for wait(timeout=...)).
func (e *Event) Wait(ctx context.Context) error {
	if e.IsSet() || spinFor(e.IsSet, eventSpin) {
		return nil
	}
	flag, sleepers := e.words()
	stop := wakeOnDone(ctx, flag)
	defer stop()
	for !e.IsSet() {
		if err := ctx.Err(); err != nil {
			return err
		}
		atomic.AddUint32(sleepers, 1)
		futex.Wait(flag, 0, sleepTime(ctx, 0))
		atomic.AddUint32(sleepers, ^uint32(0))
	}
	return nil
}

func (e *Event) segments() []*shm.Segment { return []*shm.Segment{e.seg} }

// MarshalCBOR encodes the event as a handle to its shared memory.
func (e *Event) MarshalCBOR() ([]byte, error) { return marshalHandle("event", e.seg, e.off) }

// UnmarshalCBOR finds the event's shared memory, which came with the message.
func (e *Event) UnmarshalCBOR(b []byte) (err error) {
	e.seg, e.off, err = unmarshalHandle(b, "event", 8)
	return err
}
