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
// repair what the lock protects. Like CPython's, any process may release it.
//
// It satisfies sync.Locker. The zero Lock is not usable: create one with
// NewLock.
type Lock struct {
	seg *shm.Segment
	off int
}

// NewLock creates an unlocked Lock.
func NewLock() (*Lock, error) {
	s, err := shm.New(shm.PageSize)
	if err != nil {
		return nil, err
	}
	return &Lock{seg: s}, nil
}

func (l *Lock) word() *uint32 {
	if l == nil || l.seg == nil {
		panic("mproc: use of a Lock not made by NewLock")
	}
	return l.seg.Uint32(l.off)
}

// Lock acquires the lock, waiting as long as it takes. It cannot report a
// dead previous holder; use LockContext where the protected state may need
// repair.
func (l *Lock) Lock() { lockword.Lock(context.Background(), l.word()) }

// LockContext acquires the lock, or returns ctx's error and leaves the lock
// unchanged. A free lock is taken even when ctx is already done (CPython's
// acquire(timeout=0)). It returns ErrOwnerDead, with the lock held, when
// the previous holder died holding it.
func (l *Lock) LockContext(ctx context.Context) error { return lockword.Lock(ctx, l.word()) }

// TryLock acquires the lock if it is free (or its holder has died) and
// reports whether it did.
func (l *Lock) TryLock() bool {
	ok, _ := lockword.TryLock(l.word())
	return ok
}

// Unlock releases the lock. Releasing a lock that is not locked is a
// programming error and panics, as with sync.Mutex; Release returns it as an
// error instead.
func (l *Lock) Unlock() {
	if err := l.Release(); err != nil {
		panic(err)
	}
}

// Release releases the lock, or returns ErrNotHeld if it is not locked.
func (l *Lock) Release() error {
	if !lockword.Unlock(l.word()) {
		return fmt.Errorf("%w: Lock", ErrNotHeld)
	}
	return nil
}

// Locked reports whether some process holds the lock (a snapshot).
func (l *Lock) Locked() bool { return atomic.LoadUint32(l.word()) != 0 }

func (l *Lock) String() string {
	if v := atomic.LoadUint32(l.word()); v != 0 {
		return fmt.Sprintf("<Lock(owner=%d)>", v&lockword.PidMask)
	}
	return "<Lock(unlocked)>"
}

func (l *Lock) attach(at *attachments) { at.addSegment(l.seg) }

// MarshalCBOR encodes the lock as a handle to its shared memory.
func (l *Lock) MarshalCBOR() ([]byte, error) { return marshalHandle("lock", l.seg, l.off) }

// UnmarshalCBOR finds the lock's shared memory, which came with the message.
func (l *Lock) UnmarshalCBOR(b []byte) (err error) {
	l.seg, l.off, err = unmarshalHandle(b, "lock", 4)
	return err
}
