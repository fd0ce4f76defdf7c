package mproc

import (
	"context"
	"fmt"
	"sync/atomic"

	"mproc/internal/futex"
	"mproc/internal/lockword"
	"mproc/internal/shm"
)

// Semaphore is a counting semaphore shared by processes (CPython's
// Semaphore and BoundedSemaphore). Acquire takes one unit, waiting while
// there are none; Release gives one back. A bounded semaphore refuses to go
// above its initial value. The zero Semaphore is not usable.
type Semaphore struct {
	seg *shm.Segment
	off int
}

// Layout at off: the count (the futex word), sleepers, the bound and
// whether there is one.
const (
	semSleepers = 4
	semBound    = 8
	semBounded  = 12
)

// NewSemaphore creates a semaphore with n units.
func NewSemaphore(n int) (*Semaphore, error) { return newSemaphore(n, false) }

// NewBoundedSemaphore creates a semaphore with n units that Release may not
// raise above n.
func NewBoundedSemaphore(n int) (*Semaphore, error) { return newSemaphore(n, true) }

func newSemaphore(n int, bounded bool) (*Semaphore, error) {
	if n < 0 || n > 1<<31-1 {
		return nil, fmt.Errorf("mproc: semaphore value %d out of range", n)
	}
	seg, err := shm.New(shm.PageSize)
	if err != nil {
		return nil, err
	}
	*seg.Uint32(0) = uint32(n)
	if bounded {
		*seg.Uint32(semBound) = uint32(n)
		*seg.Uint32(semBounded) = 1
	}
	return &Semaphore{seg: seg}, nil
}

func (s *Semaphore) words() (count, sleepers, bound *uint32) {
	if s == nil || s.seg == nil {
		panic("mproc: use of a Semaphore not made by NewSemaphore")
	}
	return s.seg.Uint32(s.off), s.seg.Uint32(s.off + semSleepers), s.seg.Uint32(s.off + semBound)
}

func (s *Semaphore) bounded() bool { return atomic.LoadUint32(s.seg.Uint32(s.off+semBounded)) != 0 }

func (s *Semaphore) take() bool {
	count, _, _ := s.words()
	for {
		v := atomic.LoadUint32(count)
		if v == 0 {
			return false
		}
		if atomic.CompareAndSwapUint32(count, v, v-1) {
			return true
		}
	}
}

// TryAcquire takes a unit if one is free and reports whether it did.
func (s *Semaphore) TryAcquire() bool { return s.take() }

// Acquire takes a unit, waiting for one as long as ctx allows; it returns
// ctx's error (CPython's False for acquire(timeout=...)) and leaves the
// semaphore unchanged if none came in time. A free unit is taken even when
// ctx is already done (CPython's acquire(timeout=0)).
func (s *Semaphore) Acquire(ctx context.Context) error {
	if s.take() || lockword.Spin(s.take) {
		return nil
	}
	count, sleepers, _ := s.words()
	stop := lockword.WakeOnDone(ctx, count)
	defer stop()
	for !s.take() {
		if err := ctx.Err(); err != nil {
			return err
		}
		atomic.AddUint32(sleepers, 1)
		futex.Wait(count, 0, lockword.SleepTime(ctx, 0))
		atomic.AddUint32(sleepers, ^uint32(0))
	}
	return nil
}

// Release gives back a unit. A bounded semaphore already at its initial
// value returns ErrNotHeld (CPython's "released too many times").
func (s *Semaphore) Release() error {
	count, sleepers, bound := s.words()
	for {
		v := atomic.LoadUint32(count)
		if s.bounded() && v >= atomic.LoadUint32(bound) {
			return fmt.Errorf("%w: semaphore released too many times", ErrNotHeld)
		}
		if v == 1<<31-1 {
			return fmt.Errorf("mproc: semaphore value overflow")
		}
		if atomic.CompareAndSwapUint32(count, v, v+1) {
			break
		}
	}
	if atomic.LoadUint32(sleepers) > 0 {
		futex.Wake(count, 1)
	}
	return nil
}

// Value is the number of free units (a snapshot).
func (s *Semaphore) Value() int {
	count, _, _ := s.words()
	return int(atomic.LoadUint32(count))
}

func (s *Semaphore) attach(at *attachments) { at.addSegment(s.seg) }

// MarshalCBOR encodes the semaphore as a handle to its shared memory.
func (s *Semaphore) MarshalCBOR() ([]byte, error) { return marshalHandle("semaphore", s.seg, s.off) }

// UnmarshalCBOR finds the semaphore's shared memory, which came with the message.
func (s *Semaphore) UnmarshalCBOR(b []byte) (err error) {
	s.seg, s.off, err = unmarshalHandle(b, "semaphore", 16)
	return err
}
