package manager

import (
	"context"
	"errors"

	"mproc/internal/mgr"
)

// Semaphore is a proxy for a semaphore held by a Manager (CPython's
// m.Semaphore() and m.BoundedSemaphore()), with the method set of
// golang.org/x/sync/semaphore's Weighted, one unit at a time.
type Semaphore struct{ ref proxyRef }

// NewSemaphore makes a semaphore with the value n in m.
func NewSemaphore(ctx context.Context, m *Manager, n int) (*Semaphore, error) {
	return newSemaphore(ctx, m, n, 0)
}

// NewBoundedSemaphore makes a semaphore with the value n in m that may not
// be released above n.
func NewBoundedSemaphore(ctx context.Context, m *Manager, n int) (*Semaphore, error) {
	return newSemaphore(ctx, m, n, n)
}

func newSemaphore(ctx context.Context, m *Manager, n, bound int) (*Semaphore, error) {
	if n < 0 {
		return nil, errors.New("manager: a semaphore's value may not be negative")
	}
	ref, err := m.create(ctx, mgr.KindSemaphore, u64Arg(uint64(n)), u64Arg(uint64(bound)))
	if err != nil {
		return nil, err
	}
	return &Semaphore{ref}, nil
}

// Acquire waits until the value is above zero and decrements it, as long
// as ctx allows. It returns an error matching ctx.Err() when ctx ends
// first, one matching ErrGone when the manager can't be reached, and
// leaves the semaphore unchanged then.
func (s *Semaphore) Acquire(ctx context.Context) error {
	_, err := s.ref.call(ctx, mgr.OpAcquire)
	return err
}

// TryAcquire decrements the value if it is above zero now, and reports
// whether it did; it reports false too when the manager can't be reached.
func (s *Semaphore) TryAcquire() bool {
	_, err := s.ref.callNoWait(context.Background(), mgr.OpAcquire)
	return err == nil
}

// Release increments the value. Above a bounded semaphore's bound it
// returns an error matching mproc.ErrNotHeld (CPython's ValueError); a
// manager that can't be reached gives one matching ErrGone.
func (s *Semaphore) Release() error {
	_, err := s.ref.call(context.Background(), mgr.OpRelease)
	return err
}

// Value is the semaphore's value.
func (s *Semaphore) Value(ctx context.Context) (int, error) {
	vals, err := s.ref.call(ctx, mgr.OpSemValue)
	if err != nil {
		return 0, err
	}
	n, err := u64Val(vals)
	return int(n), err
}

// MarshalBinary encodes the proxy as its manager's address and the
// semaphore's id.
func (s *Semaphore) MarshalBinary() ([]byte, error) { return s.ref.marshal("Semaphore") }

// UnmarshalBinary makes the proxy reach the same semaphore.
func (s *Semaphore) UnmarshalBinary(b []byte) (err error) {
	s.ref, err = unmarshalRef(b, "Semaphore")
	return err
}
