package manager

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"mproc"
	"mproc/internal/lockword"
	"mproc/internal/mgr"
)

// lockProxy is what Lock, RLock and Condition share: the proxy of a lock
// in the manager, and its type's name for messages.
type lockProxy struct {
	ref  proxyRef
	kind string // "Lock" or "RLock"
}

// holders remembers, per lock, the owner in this process that took it
// last: Unlock has no ctx to name its owner, and releases for that one.
var holders sync.Map // holderKey -> uint64

type holderKey struct {
	cl *client
	id uint64
}

func (l *lockProxy) key() holderKey { return holderKey{l.ref.cl, l.ref.id} }

func (l *lockProxy) lock() {
	if err := l.lockContext(context.Background()); err != nil {
		panic(fmt.Sprintf("manager: %s.Lock: %v", l.kind, err))
	}
}

func (l *lockProxy) lockContext(ctx context.Context) error {
	if _, err := l.ref.call(ctx, mgr.OpAcquire); err != nil {
		return err
	}
	l.took(ctx)
	return nil
}

// took notes that ctx's owner holds the lock now.
func (l *lockProxy) took(ctx context.Context) {
	holders.Store(l.key(), lockword.OwnerOf(ctx))
	l.ref.cl.locked.Store(true)
}

func (l *lockProxy) tryLock() bool {
	ctx := context.Background()
	if _, err := l.ref.callNoWait(ctx, mgr.OpAcquire); err != nil {
		return false
	}
	l.took(ctx)
	return true
}

func (l *lockProxy) unlock() {
	token := lockword.OwnerOf(context.Background())
	if t, ok := holders.Load(l.key()); ok {
		token = t.(uint64)
	}
	_, err := l.ref.callAs(context.Background(), token, mgr.OpRelease)
	switch {
	case errors.Is(err, mproc.ErrNotHeld):
		panic(fmt.Sprintf("manager: %s.Unlock of a lock this process does not hold: %v", l.kind, err))
	case err != nil:
		panic(fmt.Sprintf("manager: %s.Unlock: %v", l.kind, err))
	case l.kind == "Lock":
		holders.Delete(l.key()) // free now; an RLock may still be held
	}
}

func (l *lockProxy) locked(ctx context.Context) (bool, error) {
	vals, err := l.ref.call(ctx, mgr.OpLocked)
	if err != nil {
		return false, err
	}
	return boolVal(vals)
}
