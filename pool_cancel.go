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

// cancel cancels the tasks whose ids b holds (8 bytes each): the one
// running at once, those not started when they come; those that returned
// are left alone. All are recorded before the running one is cancelled,
// so that when it returns the worker skips the others, rather than start
// the next before hearing of it.
func (c *taskCancels) cancel(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	running := false
	for ; len(b) >= 8; b = b[8:] {
		switch id := binary.LittleEndian.Uint64(b); {
		case id == c.last:
			running = c.running
		case id > c.last:
			if c.skip == nil {
				c.skip = map[uint64]bool{}
			}
			c.skip[id] = true
		}
	}
	if running && !c.ended {
		c.end()
		c.ended = true
	}
}

// watch applies the pool's cancellations, each message a run of 8-byte
// task ids, until the queue closes or ctx ends.
func (c *taskCancels) watch(ctx context.Context, q *Queue[[]byte]) {
	take := func(b []byte, _ uint16) error {
		c.cancel(b)
		return nil
	}
	for q.r.Get(ctx, ring.Options{}, take) == nil {
	}
}
