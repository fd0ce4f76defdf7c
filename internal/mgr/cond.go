package mgr

import "sync"

// condObj is a condition variable over one of the server's locks.
type condObj struct {
	lock    *lockObj
	mu      sync.Mutex
	waiters []chan struct{} // in the order they began to wait
}

func (o *condObj) call(c *Call) ([][]byte, error) {
	switch c.Op {
	case OpAcquire, OpRelease, OpLocked:
		return o.lock.call(c)
	case OpCondWait:
		return o.wait(c)
	case OpCondNotify, OpCondNotifyAll:
		if err := o.mustHold(c); err != nil {
			return nil, err
		}
		n := ^uint64(0)
		if c.Op == OpCondNotify {
			var err error
			if n, err = argU64(c.Args, 0); err != nil {
				return nil, err
			}
		}
		o.mu.Lock()
		for n > 0 && len(o.waiters) > 0 {
			close(o.waiters[0])
			o.waiters = o.waiters[1:]
			n--
		}
		o.mu.Unlock()
		return nil, nil
	}
	return nil, refused(c.Op, "condition")
}

// mustHold checks that the caller holds the lock (CPython raises
// RuntimeError otherwise). A plain Lock has no owner but its holder.
func (o *condObj) mustHold(c *Call) error {
	o.lock.mu.Lock()
	defer o.lock.mu.Unlock()
	if !o.lock.held || o.lock.by != c.owner() {
		return ErrNotOwner
	}
	return nil
}

func (o *condObj) wait(c *Call) ([][]byte, error) {
	if err := o.mustHold(c); err != nil {
		return nil, err
	}
	ch := make(chan struct{})
	o.mu.Lock()
	o.waiters = append(o.waiters, ch)
	o.mu.Unlock()
	depth, err := o.lock.unwind(c.owner())
	if err != nil {
		o.forget(ch)
		return nil, err
	}
	ctx, cancel := c.wait()
	defer cancel()
	notified := true
	select {
	case <-ch:
	case <-ctx.Done():
		notified = !o.forget(ch) // a notify that came meanwhile counts
	}
	if err := o.lock.rewind(c, depth); err != nil {
		return nil, err
	}
	return [][]byte{boolb(notified)}, nil
}

// forget removes a waiter that stopped waiting; false means a notify had
// taken it already.
func (o *condObj) forget(ch chan struct{}) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i, w := range o.waiters {
		if w == ch {
			o.waiters = append(o.waiters[:i], o.waiters[i+1:]...)
			return true
		}
	}
	return false
}
