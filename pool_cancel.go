package mproc

import (
	"context"
	"encoding/binary"
	"sync"

	"mproc/internal/ring"
)

// taskCancels is how a pool worker learns that the pool cancelled tasks it
// gave it (their Map failed, or was cancelled). The pool's messages, task
// ids, come on a queue of their own, which a goroutine reads while the
// worker runs a task: the task running has its context cancelled, and one
// not started yet is skipped when its turn comes.
type taskCancels struct {
	mu      sync.Mutex
	last    uint64             // the task started last
	running bool               // it has not returned
	end     context.CancelFunc // cancels the context it runs with
	ended   bool               // end was called
	skip    map[uint64]bool    // cancelled before they started
}

// begin records that task id starts with a context that end cancels;
// false means it was cancelled, and is not to run.
func (c *taskCancels) begin(id uint64, end context.CancelFunc) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = id
	if len(c.skip) > 0 {
		cancelled := c.skip[id]
		for k := range c.skip { // ids only grow: those passed never come
			if k <= id {
				delete(c.skip, k)
			}
		}
		if cancelled {
			return false
		}
	}
	c.running, c.end = true, end
	return true
}

// finish records that the task returned, and reports whether its context
// was cancelled: the next task needs a new one.
func (c *taskCancels) finish() (cancelled bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cancelled = c.ended
	c.running, c.end, c.ended = false, nil, false
	return cancelled
}

// cancel cancels task id: at once if it runs, when it comes if it has not
// started. A task that has returned is left alone.
func (c *taskCancels) cancel(id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case id == c.last && c.running && !c.ended:
		c.end()
		c.ended = true
	case id > c.last:
		if c.skip == nil {
			c.skip = map[uint64]bool{}
		}
		c.skip[id] = true
	}
}

// watch applies the pool's cancellations, each message a run of 8-byte
// task ids, until the queue closes or ctx ends.
func (c *taskCancels) watch(ctx context.Context, q *Queue[[]byte]) {
	take := func(b []byte, _ uint16) error {
		for ; len(b) >= 8; b = b[8:] {
			c.cancel(binary.LittleEndian.Uint64(b))
		}
		return nil
	}
	for q.r.Get(ctx, ring.Options{}, take) == nil {
	}
}
