package mgr

import "sync"

// eventObj is an event.
type eventObj struct {
	mu      sync.Mutex
	set     bool
	changed signal
}

func (e *eventObj) call(c *Call) ([][]byte, error) {
	e.mu.Lock()
	switch c.Op {
	case OpEventSet:
		if !e.set {
			e.set = true
			e.changed.broadcast()
		}
		e.mu.Unlock()
		return nil, nil
	case OpEventClear:
		e.set = false
		e.mu.Unlock()
		return nil, nil
	case OpEventIsSet:
		set := e.set
		e.mu.Unlock()
		return [][]byte{boolb(set)}, nil
	case OpEventWait:
		ctx, cancel := c.wait()
		defer cancel()
		for !e.set {
			ch := e.changed.ch
			e.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				return [][]byte{boolb(false)}, nil // CPython's wait returns False
			}
			e.mu.Lock()
		}
		e.mu.Unlock()
		return [][]byte{boolb(true)}, nil
	}
	e.mu.Unlock()
	return nil, refused(c.Op, "event")
}
