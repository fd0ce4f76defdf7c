package manager

import (
	"context"

	"mproc/internal/mgr"
)

// Event is a proxy for an event held by a Manager (CPython's
// m.Event()).
type Event struct{ ref proxyRef }

// NewEvent makes an event, not set, in m.
func NewEvent(ctx context.Context, m *Manager) (*Event, error) {
	ref, err := m.create(ctx, mgr.KindEvent)
	if err != nil {
		return nil, err
	}
	return &Event{ref}, nil
}

// Set sets the event, waking every waiter.
func (e *Event) Set(ctx context.Context) error {
	_, err := e.ref.call(ctx, mgr.OpEventSet)
	return err
}

// Clear unsets the event.
func (e *Event) Clear(ctx context.Context) error {
	_, err := e.ref.call(ctx, mgr.OpEventClear)
	return err
}

// IsSet reports whether the event is set.
func (e *Event) IsSet(ctx context.Context) (bool, error) {
	vals, err := e.ref.call(ctx, mgr.OpEventIsSet)
	if err != nil {
		return false, err
	}
	return boolVal(vals)
}

// Wait waits until the event is set, or returns ctx's error (CPython's
// False for wait(timeout=...)), as Event.Wait does.
func (e *Event) Wait(ctx context.Context) error {
	vals, err := e.ref.call(ctx, mgr.OpEventWait)
	if err != nil {
		return err
	}
	set, err := boolVal(vals)
	if err == nil && !set { // the manager saw the deadline pass
		if err = ctx.Err(); err == nil {
			err = context.DeadlineExceeded
		}
	}
	return err
}

// MarshalBinary encodes the proxy as its manager's address and the event's id.
func (e *Event) MarshalBinary() ([]byte, error) { return e.ref.marshal("Event") }

// UnmarshalBinary makes the proxy reach the same event.
func (e *Event) UnmarshalBinary(b []byte) (err error) {
	e.ref, err = unmarshalRef(b, "Event")
	return err
}
