package mproc

import (
	"context"
	"fmt"
	"sync/atomic"

	"mproc/internal/lockword"
)

// SharedLock is a Lock or an RLock: the locks a Condition can be built on.
type SharedLock interface {
	shared
	held(ctx context.Context) bool
	acquire(ctx context.Context) error
	release(ctx context.Context) error
	releaseAll(ctx context.Context) (uint32, error)
	restore(ctx context.Context, n uint32) error
}

func (l *Lock) held(context.Context) bool {
	return atomic.LoadUint32(l.word())&lockword.PidMask == lockword.Self
}
func (l *Lock) acquire(ctx context.Context) error { return l.LockContext(ctx) }
func (l *Lock) release(context.Context) error     { return l.Release() }

func (l *Lock) releaseAll(context.Context) (uint32, error) {
	if err := l.Release(); err != nil {
		return 0, err
	}
	return 1, nil
}

func (l *Lock) restore(ctx context.Context, _ uint32) error {
	return lockword.Lock(context.WithoutCancel(ctx), l.word())
}

func (r *RLock) held(ctx context.Context) bool     { return r.mine(ctx) }
func (r *RLock) acquire(ctx context.Context) error { return r.Lock(ctx) }
func (r *RLock) release(ctx context.Context) error { return r.Unlock(ctx) }

// notHeld is the error for using a condition without holding its lock.
func notHeld(what string) error {
	return fmt.Errorf("%w: %s on an un-acquired lock", ErrNotHeld, what)
}
