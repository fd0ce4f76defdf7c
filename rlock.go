package mproc

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"mproc/internal/lockword"
	"mproc/internal/shm"
)

// RLock is a re-entrant lock shared by processes (CPython's RLock): its
// owner may lock it again, and must unlock it as often.
//
// CPython's owner is a thread; goroutines have no identity, so here the
// owner is explicit. An RLock from NewRLock, or received as an argument, is
// owned by the calling process: every goroutine of the process counts as
// that one owner. Goroutines that need to exclude each other each take
// their own view with NewOwner: views of one lock exclude each other, and
// each re-enters itself.
//
// Like Lock, it passes to the next acquirer when its holder dies
// (ErrOwnerDead), and it satisfies sync.Locker. The zero RLock is not
// usable: create one with NewRLock.
type RLock struct {
	ref   *segRef
	off   int
	w     *uint32 // the lock word
	count *uint32 // acquisitions by the holder
	owner *uint64 // the holder's token
	token uint64  // this view's owner: see lockword.OwnerToken
}

// Layout at off: the lock word, the count, the owner token.
const (
	rlockCount = 4
	rlockOwner = 8
	noOwner    = ^uint64(0)
)

// NewRLock creates an unlocked RLock owned by the calling process.
func NewRLock() (*RLock, error) {
	s, err := shm.New(shm.PageSize)
	if err != nil {
		return nil, err
	}
	*s.Uint64(rlockOwner) = noOwner
	return newRLockAt(newSegRef(s), 0), nil
}

func newRLockAt(ref *segRef, off int) *RLock {
	s := ref.seg
	return &RLock{ref: ref, off: off, w: s.Uint32(off), count: s.Uint32(off + rlockCount),
		owner: s.Uint64(off + rlockOwner), token: lockword.OwnerToken(0)}
}

// NewOwner returns a view of the same lock with a new owner of its own:
// the views (and the process's own RLock) exclude each other, and each
// re-enters itself. The view shares the lock's memory: closing either
// closes both.
func (r *RLock) NewOwner() *RLock {
	r.ref.usable("RLock")
	v := newRLockAt(r.ref, r.off)
	v.token = lockword.NewOwnerToken()
	return v
}

// mine reports whether this view's owner holds the lock.
func (r *RLock) mine() bool {
	return atomic.LoadUint32(r.w)&lockword.PidMask == lockword.Self && atomic.LoadUint64(r.owner) == r.token
}

func (r *RLock) usable() {
	if r == nil {
		panic("mproc: use of a nil RLock")
	}
	r.ref.usable("RLock")
}

// Lock acquires the lock, again if this owner already holds it, waiting as
// long as it takes. It panics if the lock was closed in this process.
func (r *RLock) Lock() {
	r.usable()
	r.lock(context.Background())
}

// LockContext acquires the lock, again if this owner already holds it. It
// returns ctx's error leaving the lock unchanged, or ErrOwnerDead, with the
// lock held once, when the previous holder died holding it.
func (r *RLock) LockContext(ctx context.Context) error {
	if err := r.ref.err("RLock"); err != nil {
		return err
	}
	return r.lock(ctx)
}

func (r *RLock) lock(ctx context.Context) error {
	if r.mine() {
		atomic.AddUint32(r.count, 1)
		return nil
	}
	err := lockword.Lock(ctx, r.w)
	if err != nil && !errors.Is(err, ErrOwnerDead) {
		return err
	}
	atomic.StoreUint32(r.count, 1)
	atomic.StoreUint64(r.owner, r.token)
	return err
}

// TryLock acquires the lock if that needs no waiting, and reports whether
// it did.
func (r *RLock) TryLock() bool {
	r.usable()
	if r.mine() {
		atomic.AddUint32(r.count, 1)
		return true
	}
	if ok, _ := lockword.TryLock(r.w); !ok {
		return false
	}
	atomic.StoreUint32(r.count, 1)
	atomic.StoreUint64(r.owner, r.token)
	return true
}

// Unlock releases one acquisition by this owner; the lock is free when the
// count reaches zero. Unlocking a lock this owner does not hold is a
// programming error and panics with an error matching ErrNotHeld, as
// sync.Mutex's does.
func (r *RLock) Unlock() {
	r.usable()
	if !r.mine() {
		panic(fmt.Errorf("%w: Unlock of an RLock this owner does not hold", ErrNotHeld))
	}
	if atomic.AddUint32(r.count, ^uint32(0)) > 0 {
		return
	}
	atomic.StoreUint64(r.owner, noOwner)
	lockword.Unlock(r.w)
}

// releaseAll releases every acquisition of this owner and returns how many
// there were, for Condition.Wait.
func (r *RLock) releaseAll() (uint32, error) {
	if !r.mine() {
		return 0, fmt.Errorf("%w: RLock not held by this owner", ErrNotHeld)
	}
	n := atomic.SwapUint32(r.count, 0)
	atomic.StoreUint64(r.owner, noOwner)
	lockword.Unlock(r.w)
	return n, nil
}

// restore acquires the lock again with the count releaseAll returned.
func (r *RLock) restore(n uint32) error {
	err := lockword.Lock(context.Background(), r.w)
	atomic.StoreUint32(r.count, n)
	atomic.StoreUint64(r.owner, r.token)
	return err
}

func (r *RLock) String() string {
	if r.ref.err("RLock") != nil {
		return "<RLock(closed)>"
	}
	if v := atomic.LoadUint32(r.w); v != 0 {
		return fmt.Sprintf("<RLock(owner=%d, count=%d)>", v&lockword.PidMask, atomic.LoadUint32(r.count))
	}
	return "<RLock(unlocked)>"
}

// Close lets go of the lock in this process, for every view of it: its
// shared memory is unmapped here and its descriptor closed. Other processes
// that have the lock keep using it; the kernel frees it with the last one.
// After Close, this process's Lock, TryLock and Unlock panic and
// LockContext returns ErrClosed. Closing again does nothing and returns
// nil. Close only a lock no goroutine of this process is using or waiting
// on.
func (r *RLock) Close() error { return r.ref.close() }

func (r *RLock) attach(at *attachments) {
	if r.ref.err("RLock") == nil {
		at.addSegment(r.ref.seg)
	}
}

// MarshalBinary encodes the lock as a handle to its shared memory, which
// travels beside the message. The receiving process owns its copy.
func (r *RLock) MarshalBinary() ([]byte, error) { return marshalHandle("rlock", r.ref, r.off) }

// UnmarshalBinary finds the lock's shared memory, which came with the
// message.
func (r *RLock) UnmarshalBinary(b []byte) error {
	ref, off, err := unmarshalHandle(b, "rlock", 16)
	if err == nil {
		*r = *newRLockAt(ref, off)
	}
	return err
}
