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
// above its initial value. The zero Semaphore is not usable: create one
// with NewSemaphore or NewBoundedSemaphore.
type Semaphore struct {
	ref *segRef
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
	return &Semaphore{ref: newSegRef(seg)}, nil
}

func (s *Semaphore) words() (count, sleepers, bound *uint32) {
	if s == nil {
		panic("mproc: use of a nil Semaphore")
	}
	s.ref.usable("Semaphore")
	seg := s.ref.seg
	return seg.Uint32(s.off), seg.Uint32(s.off + semSleepers), seg.Uint32(s.off + semBound)
}

func (s *Semaphore) bounded() bool { return atomic.LoadUint32(s.ref.seg.Uint32(s.off+semBounded)) != 0 }

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

// TryAcquire takes a unit if one is free and reports whether it did. It
// panics if the semaphore was closed in this process.
func (s *Semaphore) TryAcquire() bool { return s.take() }

// Acquire takes a unit, waiting for one as long as ctx allows; it returns
// ctx's error (CPython's False for acquire(timeout=...)) and leaves the
// semaphore unchanged if none came in time. A free unit is taken even when
// ctx is already done (CPython's acquire(timeout=0)).
func (s *Semaphore) Acquire(ctx context.Context) error {
	if err := s.ref.err("Semaphore"); err != nil {
		return err
	}
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
	if err := s.ref.err("Semaphore"); err != nil {
		return err
	}
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

// Close lets go of the semaphore in this process: its shared memory is
// unmapped here and its descriptor closed. Other processes that have the
// semaphore keep using it; the kernel frees it with the last one. After
// Close, this process's Acquire and Release return ErrClosed and
// TryAcquire and Value panic. Closing again does nothing and returns nil.
// Close only a semaphore no goroutine of this process is using or waiting
// on.
func (s *Semaphore) Close() error { return s.ref.close() }

func (s *Semaphore) attach(at *attachments) {
	if s.ref.err("Semaphore") == nil {
		at.addSegment(s.ref.seg)
	}
}

// MarshalBinary encodes the semaphore as a handle to its shared memory,
// which travels beside the message.
func (s *Semaphore) MarshalBinary() ([]byte, error) { return marshalHandle("semaphore", s.ref, s.off) }

// UnmarshalBinary finds the semaphore's shared memory, which came with the
// message.
func (s *Semaphore) UnmarshalBinary(b []byte) (err error) {
	s.ref, s.off, err = unmarshalHandle(b, "semaphore", 16)
	return err
}
