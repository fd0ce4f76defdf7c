package mproc

import (
	"context"
	"fmt"
	"sync/atomic"

	"mproc/internal/lockword"
	"mproc/internal/shm"
)

// Lock is a mutual-exclusion lock shared by processes (CPython's
// multiprocessing.Lock). Pass it to children as an argument, alone or inside
// a struct; every copy refers to the same lock.
//
// Unlike CPython's, it survives its holder's death: a process that dies
// holding it (killed, crashed) passes it to the next acquirer within about
// 20 ms, and LockContext tells that acquirer with ErrOwnerDead so it can
// repair what the lock protects. Like CPython's, any process may unlock it.
//
// It satisfies sync.Locker. The zero Lock is not usable: create one with
// NewLock.
type Lock struct {
	ref *segRef
	off int
	w   *uint32 // the lock word, in ref's memory
}

// NewLock creates an unlocked Lock.
func NewLock() (*Lock, error) {
	s, err := shm.New(shm.PageSize)
	if err != nil {
		return nil, err
	}
	return newLockAt(newSegRef(s), 0), nil
}

func newLockAt(ref *segRef, off int) *Lock {
	return &Lock{ref: ref, off: off, w: ref.seg.Uint32(off)}
}

func (l *Lock) word() *uint32 {
	if l == nil {
		panic("mproc: use of a nil Lock")
	}
	l.ref.usable("Lock")
	return l.w
}

// Lock acquires the lock, waiting as long as it takes. It cannot report a
// dead previous holder; use LockContext where the protected state may need
// repair. It panics if the lock was closed in this process.
func (l *Lock) Lock() { lockword.Lock(context.Background(), l.word()) }

// LockContext acquires the lock, or returns ctx's error and leaves the lock
// unchanged. A free lock is taken even when ctx is already done (CPython's
// acquire(timeout=0)). It returns ErrOwnerDead, with the lock held, when
// the previous holder died holding it.
func (l *Lock) LockContext(ctx context.Context) error {
	if err := l.ref.err("Lock"); err != nil {
		return err
	}
	return lockword.Lock(ctx, l.w)
}

// TryLock acquires the lock if it is free (or its holder has died) and
// reports whether it did.
func (l *Lock) TryLock() bool {
	ok, _ := lockword.TryLock(l.word())
	return ok
}

// Unlock releases the lock; any process may. Unlocking a lock that is not
// locked is a programming error and panics with an error matching
// ErrNotHeld, as sync.Mutex's does.
func (l *Lock) Unlock() {
	if !lockword.Unlock(l.word()) {
		panic(fmt.Errorf("%w: Unlock of an unlocked Lock", ErrNotHeld))
	}
}

func (l *Lock) String() string {
	if l.ref.err("Lock") != nil {
		return "<Lock(closed)>"
	}
	if v := atomic.LoadUint32(l.w); v != 0 {
		return fmt.Sprintf("<Lock(owner=%d)>", v&lockword.PidMask)
	}
	return "<Lock(unlocked)>"
}

// Close lets go of the lock in this process: its shared memory is unmapped
// here and its descriptor closed (Value.Locker's lock shares its Value's
// memory: closing either closes both). Other processes that have the lock
// keep using it; the kernel frees it with the last one. After Close, this
// process's Lock, TryLock, Unlock and Locked panic and LockContext returns
// ErrClosed. Closing again does nothing and returns nil. Close only a lock
// no goroutine of this process is using or waiting on.
func (l *Lock) Close() error { return l.ref.close() }

func (l *Lock) attach(at *attachments) {
	if l.ref.err("Lock") == nil {
		at.addSegment(l.ref.seg)
	}
}

// MarshalBinary encodes the lock as a handle to its shared memory, which
// travels beside the message.
func (l *Lock) MarshalBinary() ([]byte, error) { return marshalHandle("lock", l.ref, l.off) }

// UnmarshalBinary finds the lock's shared memory, which came with the
// message.
func (l *Lock) UnmarshalBinary(b []byte) error {
	ref, off, err := unmarshalHandle(b, "lock", 4)
	if err == nil {
		*l = *newLockAt(ref, off)
	}
	return err
}
