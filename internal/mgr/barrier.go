package mgr

import (
	"sync"
	"time"
)

// barrierObj is a barrier for a number of parties (CPython's Barrier: a
// wait that times out breaks it for everyone).
type barrierObj struct {
	mu      sync.Mutex
	parties uint64
	timeout time.Duration // the default for waits without a deadline; 0: none
	count   uint64        // parties waiting in this generation
	broken  bool
	gen     *generation
}

// generation is one round of the barrier: done is closed when it passes or
// breaks (broken says which, set before the close).
type generation struct {
	done   chan struct{}
	broken bool
}

func newGeneration() *generation { return &generation{done: make(chan struct{})} }

func newBarrier(args [][]byte) (*barrierObj, error) {
	n, err := argU64(args, 0)
	if err != nil {
		return nil, err
	}
	t, err := argU64(args, 1)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, bad("a barrier needs at least one party")
	}
	return &barrierObj{parties: n, timeout: time.Duration(t), gen: newGeneration()}, nil
}

func (b *barrierObj) call(c *Call) ([][]byte, error) {
	switch c.Op {
	case OpBarrierWait:
		return b.wait(c)
	case OpBarrierAbort:
		b.mu.Lock()
		b.breakLocked()
		b.mu.Unlock()
		return nil, nil
	case OpBarrierReset:
		b.mu.Lock()
		if b.count > 0 {
			b.breakLocked() // those waiting get ErrBroken, as in CPython
		}
		b.broken, b.count = false, 0
		b.mu.Unlock()
		return nil, nil
	case OpBarrierInfo:
		b.mu.Lock()
		defer b.mu.Unlock()
		return [][]byte{u64b(b.parties), u64b(b.count), boolb(b.broken)}, nil
	}
	return nil, refused(c.Op, "barrier")
}

func (b *barrierObj) breakLocked() {
	b.broken = true
	b.gen.broken = true
	close(b.gen.done)
	b.gen = newGeneration()
}

func (b *barrierObj) wait(c *Call) ([][]byte, error) {
	if c.Deadline == 0 && b.timeout > 0 {
		r := *c.Request
		r.Deadline = time.Now().Add(b.timeout).UnixNano()
		c = &Call{Request: &r, Ctx: c.Ctx}
	}
	ctx, cancel := c.wait()
	defer cancel()
	b.mu.Lock()
	if b.broken {
		b.mu.Unlock()
		return nil, ErrBroken
	}
	idx := b.count
	b.count++
	if b.count == b.parties {
		b.count = 0
		close(b.gen.done)
		b.gen = newGeneration()
		b.mu.Unlock()
		return [][]byte{u64b(idx)}, nil
	}
	gen := b.gen
	b.mu.Unlock()
	select {
	case <-gen.done:
	case <-ctx.Done():
		b.mu.Lock()
		if b.gen == gen { // still this generation: the timeout breaks it
			b.breakLocked()
		}
		b.mu.Unlock()
	}
	b.mu.Lock()
	broken := gen.broken
	b.mu.Unlock()
	if broken {
		return nil, ErrBroken
	}
	return [][]byte{u64b(idx)}, nil
}
