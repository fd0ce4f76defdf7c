package mproc

import (
	"context"
	"sync"
)

// callbackCount counts an executor's running OnDone callbacks, for Join and
// Shutdown to wait on. A sync.WaitGroup won't do: callbacks may be added
// (OnDone on a finished future) while Join waits with the count at zero,
// which WaitGroup forbids.
type callbackCount struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed while n is 0; made anew when n leaves 0
}

func (c *callbackCount) add() {
	c.mu.Lock()
	if c.n == 0 {
		c.idle = make(chan struct{})
	}
	c.n++
	c.mu.Unlock()
}

func (c *callbackCount) done() {
	c.mu.Lock()
	if c.n--; c.n == 0 {
		close(c.idle)
	}
	c.mu.Unlock()
}

// wait waits until no callback runs, as long as ctx allows.
func (c *callbackCount) wait(ctx context.Context) error {
	c.mu.Lock()
	idle := c.idle
	n := c.n
	c.mu.Unlock()
	if n == 0 {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
