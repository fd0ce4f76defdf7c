package mproc

import (
	"context"
	"errors"

	"mproc/internal/mgr"
)

// ManagedSemaphore is a proxy for a semaphore held by a Manager (CPython's
// m.Semaphore() and m.BoundedSemaphore()).
type ManagedSemaphore struct{ ref proxyRef }

// Semaphore makes a semaphore with the value n in the manager.
func (m *Manager) Semaphore(ctx context.Context, n int) (*ManagedSemaphore, error) {
	return m.newSemaphore(ctx, n, 0)
}

// BoundedSemaphore makes a semaphore that may not be released above n.
func (m *Manager) BoundedSemaphore(ctx context.Context, n int) (*ManagedSemaphore, error) {
	return m.newSemaphore(ctx, n, n)
}

func (m *Manager) newSemaphore(ctx context.Context, n, bound int) (*ManagedSemaphore, error) {
	if n < 0 {
		return nil, errors.New("mproc: a semaphore's value may not be negative")
	}
	ref, err := m.create(ctx, mgr.KindSemaphore, u64Arg(uint64(n)), u64Arg(uint64(bound)))
	if err != nil {
		return nil, err
	}
	return &ManagedSemaphore{ref}, nil
}

// Acquire waits until the value is above zero and decrements it, as long
// as ctx allows (then an error matching ErrTimeout).
func (s *ManagedSemaphore) Acquire(ctx context.Context) error {
	_, err := s.ref.call(ctx, mgr.OpAcquire)
	return err
}

// TryAcquire decrements the value if it is above zero now.
func (s *ManagedSemaphore) TryAcquire(ctx context.Context) (bool, error) {
	_, err := s.ref.callNoWait(ctx, mgr.OpAcquire)
	return notTimedOut(err)
}

// Release increments the value; above a bounded semaphore's bound it is an
// error matching ErrNotHeld.
func (s *ManagedSemaphore) Release(ctx context.Context) error {
	_, err := s.ref.call(ctx, mgr.OpRelease)
	return err
}

// Value is the semaphore's value.
func (s *ManagedSemaphore) Value(ctx context.Context) (int, error) {
	vals, err := s.ref.call(ctx, mgr.OpSemValue)
	if err != nil {
		return 0, err
	}
	n, err := u64Val(vals)
	return int(n), err
}

// MarshalCBOR encodes the proxy as its manager's address and the
// semaphore's id.
func (s *ManagedSemaphore) MarshalCBOR() ([]byte, error) { return s.ref.marshal("ManagedSemaphore") }

// UnmarshalCBOR makes the proxy reach the same semaphore.
func (s *ManagedSemaphore) UnmarshalCBOR(b []byte) (err error) {
	s.ref, err = unmarshalRef(b, "ManagedSemaphore")
	return err
}
