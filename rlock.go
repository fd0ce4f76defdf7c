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
// owner may acquire it again, and must release it as often.
//
// The owner is a process, or a goroutine-like owner inside it: CPython's
// owner is a thread, but goroutines have no identity, so the owner travels
// in the context. Without WithOwner in ctx, the owner is the whole process,
// and every goroutine of the process counts as that one owner. With
// ctx = WithOwner(ctx), the owner is whoever carries that ctx: goroutines of
// one process that carry different owners exclude each other.
//
// Like Lock, it passes to the next acquirer when its holder dies
// (ErrOwnerDead). The zero RLock is not usable: create one with NewRLock.
type RLock struct {
	seg *shm.Segment
	off int
}

// Layout at off: the lock word, the count, the owner token.
const (
	rlockCount = 4
	rlockOwner = 8
	noOwner    = ^uint64(0)
)

// NewRLock creates an unlocked RLock.
func NewRLock() (*RLock, error) {
	s, err := shm.New(shm.PageSize)
	if err != nil {
		return nil, err
	}
	*s.Uint64(rlockOwner) = noOwner
	return &RLock{seg: s}, nil
}

// WithOwner returns a context that carries a new owner for RLock (and for
// Condition built on one, and for the manager's locks): what locks with it
// re-enters with it, and other owners wait.
func WithOwner(ctx context.Context) context.Context { return lockword.WithOwner(ctx) }

// ownerOf names ctx's owner across processes.
func ownerOf(ctx context.Context) uint64 { return lockword.OwnerOf(ctx) }

func (r *RLock) words() (w, count *uint32, owner *uint64) {
	if r == nil || r.seg == nil {
		panic("mproc: use of an RLock not made by NewRLock")
	}
	return r.seg.Uint32(r.off), r.seg.Uint32(r.off + rlockCount), r.seg.Uint64(r.off + rlockOwner)
}

// mine reports whether ctx's owner in this process holds the lock.
func (r *RLock) mine(ctx context.Context) bool {
	w, _, owner := r.words()
	return atomic.LoadUint32(w)&lockword.PidMask == lockword.Self && atomic.LoadUint64(owner) == ownerOf(ctx)
}

// Lock acquires the lock for ctx's owner, again if it already holds it. It
// returns ctx's error leaving the lock unchanged, or ErrOwnerDead, with the
// lock held once, when the previous holder died holding it.
func (r *RLock) Lock(ctx context.Context) error {
	w, count, owner := r.words()
	if r.mine(ctx) {
		atomic.AddUint32(count, 1)
		return nil
	}
	err := lockword.Lock(ctx, w)
	if err != nil && !errors.Is(err, ErrOwnerDead) {
		return err
	}
	atomic.StoreUint32(count, 1)
	atomic.StoreUint64(owner, ownerOf(ctx))
	return err
}

// TryLock acquires the lock if that needs no waiting.
func (r *RLock) TryLock(ctx context.Context) bool {
	w, count, owner := r.words()
	if r.mine(ctx) {
		atomic.AddUint32(count, 1)
		return true
	}
	if ok, _ := lockword.TryLock(w); !ok {
		return false
	}
	atomic.StoreUint32(count, 1)
	atomic.StoreUint64(owner, ownerOf(ctx))
	return true
}

// Unlock releases one acquisition by ctx's owner; the lock is free when the
// count reaches zero. Releasing a lock the owner does not hold returns
// ErrNotHeld.
func (r *RLock) Unlock(ctx context.Context) error {
	w, count, owner := r.words()
	if !r.mine(ctx) {
		return fmt.Errorf("%w: RLock not held by this owner", ErrNotHeld)
	}
	if atomic.AddUint32(count, ^uint32(0)) > 0 {
		return nil
	}
	atomic.StoreUint64(owner, noOwner)
	lockword.Unlock(w)
	return nil
}

// releaseAll releases every acquisition of ctx's owner and returns how many
// there were, for Condition.Wait.
func (r *RLock) releaseAll(ctx context.Context) (uint32, error) {
	w, count, owner := r.words()
	if !r.mine(ctx) {
		return 0, fmt.Errorf("%w: RLock not held by this owner", ErrNotHeld)
	}
	n := atomic.SwapUint32(count, 0)
	atomic.StoreUint64(owner, noOwner)
	lockword.Unlock(w)
	return n, nil
}

// restore acquires the lock again with the count releaseAll returned.
func (r *RLock) restore(ctx context.Context, n uint32) error {
	w, count, owner := r.words()
	err := lockword.Lock(context.WithoutCancel(ctx), w)
	atomic.StoreUint32(count, n)
	atomic.StoreUint64(owner, ownerOf(ctx))
	return err
}

func (r *RLock) String() string {
	w, count, _ := r.words()
	if v := atomic.LoadUint32(w); v != 0 {
		return fmt.Sprintf("<RLock(owner=%d, count=%d)>", v&lockword.PidMask, atomic.LoadUint32(count))
	}
	return "<RLock(unlocked)>"
}

func (r *RLock) attach(at *attachments) { at.addSegment(r.seg) }

// MarshalCBOR encodes the lock as a handle to its shared memory.
func (r *RLock) MarshalCBOR() ([]byte, error) { return marshalHandle("rlock", r.seg, r.off) }

// UnmarshalCBOR finds the lock's shared memory, which came with the message.
func (r *RLock) UnmarshalCBOR(b []byte) (err error) {
	r.seg, r.off, err = unmarshalHandle(b, "rlock", 16)
	return err
}
