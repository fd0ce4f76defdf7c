package mproc

import (
	"context"

	"mproc/internal/mgr"
)

// ManagedEvent is a proxy for an event held by a Manager (CPython's
// m.Event()).
type ManagedEvent struct{ ref proxyRef }

// Event makes an event, not set, in the manager.
func (m *Manager) Event(ctx context.Context) (*ManagedEvent, error) {
	ref, err := m.create(ctx, mgr.KindEvent)
	if err != nil {
		return nil, err
	}
	return &ManagedEvent{ref}, nil
}

// Set sets the event, waking every waiter.
func (e *ManagedEvent) Set(ctx context.Context) error {
	_, err := e.ref.call(ctx, mgr.OpEventSet)
	return err
}

// Clear unsets the event.
func (e *ManagedEvent) Clear(ctx context.Context) error {
	_, err := e.ref.call(ctx, mgr.OpEventClear)
	return err
}

// IsSet reports whether the event is set.
func (e *ManagedEvent) IsSet(ctx context.Context) (bool, error) {
	vals, err := e.ref.call(ctx, mgr.OpEventIsSet)
	if err != nil {
		return false, err
	}
	return boolVal(vals)
}

// Wait waits until the event is set, or returns ctx's error (CPython's
// False for wait(timeout=...)), as Event.Wait does.
func (e *ManagedEvent) Wait(ctx context.Context) error {
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

// MarshalCBOR encodes the proxy as its manager's address and the event's id.
func (e *ManagedEvent) MarshalCBOR() ([]byte, error) { return e.ref.marshal("ManagedEvent") }

// UnmarshalCBOR makes the proxy reach the same event.
func (e *ManagedEvent) UnmarshalCBOR(b []byte) (err error) {
	e.ref, err = unmarshalRef(b, "ManagedEvent")
	return err
}
