package mproc

import (
	"context"
	"sync/atomic"

	"mproc/internal/futex"
	"mproc/internal/lockword"
	"mproc/internal/shm"
)

// Event is a flag shared by processes (CPython's Event): Wait blocks until
// some process Sets it. The zero Event is not usable: create one with
// NewEvent.
type Event struct {
	ref *segRef
	off int
}

// The state is one futex word: bit 0 is the flag, the bits above it count
// the Sets. Set changes both in one atomic step, so a waiter that was
// waiting when Set was called returns even if a Clear follows at once (as
// with threading.Event), and one that starts waiting after the Set never
// mistakes it for a new one. Sleepers follow the word.
const (
	eventFlag     = 1
	eventSetStep  = 2
	eventSleepers = 4
)

// NewEvent creates a clear Event.
func NewEvent() (*Event, error) {
	seg, err := shm.New(shm.PageSize)
	if err != nil {
		return nil, err
	}
	return &Event{ref: newSegRef(seg)}, nil
}

func (e *Event) words() (state, sleepers *uint32) {
	if e == nil {
		panic("mproc: use of a nil Event")
	}
	e.ref.usable("Event")
	return e.ref.seg.Uint32(e.off), e.ref.seg.Uint32(e.off + eventSleepers)
}

// Set sets the flag and wakes every waiter.
func (e *Event) Set() {
	state, sleepers := e.words()
	for {
		old := atomic.LoadUint32(state)
		if atomic.CompareAndSwapUint32(state, old, (old|eventFlag)+eventSetStep) {
			break
		}
	}
	if atomic.LoadUint32(sleepers) > 0 {
		futex.Wake(state, 1<<30)
	}
}

// Clear clears the flag.
func (e *Event) Clear() {
	state, _ := e.words()
	for {
		old := atomic.LoadUint32(state)
		if old&eventFlag == 0 || atomic.CompareAndSwapUint32(state, old, old&^eventFlag) {
			return
		}
	}
}

// IsSet reports whether the flag is set.
func (e *Event) IsSet() bool {
	state, _ := e.words()
	return atomic.LoadUint32(state)&eventFlag != 0
}

// Wait blocks until the flag is set, or returns ctx's error (CPython's
// False for wait(timeout=...)). A waiter that was waiting when Set was
// called returns even if the flag was cleared again before it woke.
func (e *Event) Wait(ctx context.Context) error {
	if err := e.ref.err("Event"); err != nil {
		return err
	}
	state, sleepers := e.words()
	seen := atomic.LoadUint32(state)
	if seen&eventFlag != 0 {
		return nil
	}
	ready := func() bool { return atomic.LoadUint32(state) != seen } // a Set since, whatever Clear did after
	if lockword.SpinFor(ready, lockword.EventSpin) {
		return nil
	}
	stop := lockword.WakeOnDone(ctx, state)
	defer stop()
	for !ready() {
		if err := ctx.Err(); err != nil {
			return err
		}
		atomic.AddUint32(sleepers, 1)
		futex.Wait(state, seen, lockword.SleepTime(ctx, 0))
		atomic.AddUint32(sleepers, ^uint32(0))
	}
	return nil
}

// Close lets go of the event in this process: its shared memory is
// unmapped here and its descriptor closed. Other processes that have the
// event keep using it; the kernel frees it with the last one. After Close,
// this process's Wait returns ErrClosed and Set, Clear and IsSet panic.
// Closing again does nothing and returns nil. Close only an event no
// goroutine of this process is using or waiting on.
func (e *Event) Close() error { return e.ref.close() }

func (e *Event) attach(at *attachments) {
	if e.ref.err("Event") == nil {
		at.addSegment(e.ref.seg)
	}
}

// MarshalBinary encodes the event as a handle to its shared memory, which
// travels beside the message.
func (e *Event) MarshalBinary() ([]byte, error) { return marshalHandle("event", e.ref, e.off) }

// UnmarshalBinary finds the event's shared memory, which came with the
// message.
func (e *Event) UnmarshalBinary(b []byte) (err error) {
	e.ref, e.off, err = unmarshalHandle(b, "event", 8)
	return err
}
