package mproc

import (
	"context"
	"fmt"
	"sync/atomic"

	"mproc/internal/lockword"
)

// SharedLock is a *Lock or an *RLock: the locks a Condition can be built
// on, with the method set they share.
type SharedLock interface {
	Lock()
	Unlock()
	LockContext(ctx context.Context) error
	TryLock() bool
	Close() error

	shared
	// held reports whether this lock's owner holds it.
	held() bool
	// heldByProcess reports whether this process holds it, under any owner.
	heldByProcess() bool
	releaseAll() (uint32, error)
	restore(n uint32) error
	withNewOwner() SharedLock
	closed() bool
}

func (l *Lock) held() bool {
	return atomic.LoadUint32(l.w)&lockword.PidMask == lockword.Self
}
func (l *Lock) heldByProcess() bool      { return l.held() }
func (l *Lock) withNewOwner() SharedLock { return l }
func (l *Lock) closed() bool             { return l.ref.closed.Load() }

func (l *Lock) releaseAll() (uint32, error) {
	if !lockword.Unlock(l.w) {
		return 0, fmt.Errorf("%w: Lock", ErrNotHeld)
	}
	return 1, nil
}

func (l *Lock) restore(uint32) error { return lockword.Lock(context.Background(), l.w) }

func (r *RLock) held() bool { return r.mine() }
func (r *RLock) heldByProcess() bool {
	return atomic.LoadUint32(r.w)&lockword.PidMask == lockword.Self
}
func (r *RLock) withNewOwner() SharedLock { return r.NewOwner() }
func (r *RLock) closed() bool             { return r.ref.closed.Load() }

// notHeld is the error for using a condition without holding its lock.
func notHeld(what string) error {
	return fmt.Errorf("%w: %s on an un-acquired lock", ErrNotHeld, what)
}
