package manager

import (
	"context"
	"errors"
	"fmt"

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

// withNewOwner returns the proxy acting for a new owner of this process.
func (l lockProxy) withNewOwner() lockProxy {
	l.ref.token = lockword.NewOwnerToken()
	return l
}

func (l *lockProxy) lock() {
	if err := l.lockContext(context.Background()); err != nil {
		panic(fmt.Sprintf("manager: %s.Lock: %v", l.kind, err))
	}
}

func (l *lockProxy) lockContext(ctx context.Context) error {
	if _, err := l.ref.call(ctx, mgr.OpAcquire); err != nil {
		return err
	}
	l.took()
	return nil
}

// took notes that this process holds a lock: its connections must then
// outlive a cancelled call (see client.locked).
func (l *lockProxy) took() { l.ref.cl.locked.Store(true) }

func (l *lockProxy) tryLock() bool {
	ctx := context.Background()
	if _, err := l.ref.callNoWait(ctx, mgr.OpAcquire); err != nil {
		return false
	}
	l.took()
	return true
}

func (l *lockProxy) unlock() {
	_, err := l.ref.call(context.Background(), mgr.OpRelease)
	switch {
	case errors.Is(err, mproc.ErrNotHeld):
		panic(fmt.Sprintf("manager: %s.Unlock of a lock this process does not hold: %v", l.kind, err))
	case err != nil:
		panic(fmt.Sprintf("manager: %s.Unlock: %v", l.kind, err))
	}
}

func (l *lockProxy) locked(ctx context.Context) (bool, error) {
	vals, err := l.ref.call(ctx, mgr.OpLocked)
	if err != nil {
		return false, err
	}
	return boolVal(vals)
}
