package mgr

import (
	"fmt"
	"sync"
)

// lockObj is a Lock or an RLock. Its holder is a (client, token) pair; a
// client whose last session ends loses the locks it holds.
type lockObj struct {
	srv       *Server
	recursive bool

	mu      sync.Mutex
	held    bool
	by      owner
	count   int // acquisitions by the holder (an RLock's)
	changed signal
}

func (l *lockObj) call(c *Call) ([][]byte, error) {
	switch c.Op {
	case OpAcquire:
		return nil, l.acquire(c)
	case OpRelease:
		return nil, l.release(c.owner(), false)
	case OpLocked:
		l.mu.Lock()
		defer l.mu.Unlock()
		return [][]byte{boolb(l.held)}, nil
	}
	return nil, refused(c.Op, "lock")
}

func (l *lockObj) acquire(c *Call) error {
	ctx, cancel := c.wait()
	defer cancel()
	me := c.owner()
	l.mu.Lock()
	if l.recursive && l.held && l.by == me {
		l.count++
		l.mu.Unlock()
		return nil
	}
	for l.held {
		ch := l.changed.ch
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ErrTimeout
		}
		l.mu.Lock()
	}
	l.held, l.by, l.count = true, me, 1
	l.mu.Unlock()
	l.srv.holds(me.client, l, true)
	return nil
}

// release lets go once (all the way with all); a plain Lock may be released
// by anyone, as CPython's, an RLock only by its holder.
func (l *lockObj) release(me owner, all bool) error {
	l.mu.Lock()
	switch {
	case !l.held:
		l.mu.Unlock()
		return ErrNotOwner
	case l.recursive && l.by != me:
		l.mu.Unlock()
		return fmt.Errorf("%w: the RLock is held by another owner", ErrNotOwner)
	}
	if l.count--; l.count > 0 && !all {
		l.mu.Unlock()
		return nil
	}
	by := l.by
	l.held, l.by, l.count = false, owner{}, 0
	l.changed.broadcast()
	l.mu.Unlock()
	l.srv.holds(by.client, l, false)
	return nil
}

// dropClient releases the lock if a client that is gone holds it.
func (l *lockObj) dropClient(id uint64) {
	l.mu.Lock()
	held, by := l.held, l.by
	l.mu.Unlock()
	if held && by.client == id {
		l.release(by, true)
	}
}

// undo releases a lock acquired for a client that did not hear of it.
func (l *lockObj) undo(c *Call, _ [][]byte) {
	if c.Op == OpAcquire {
		l.release(c.owner(), false)
	}
}

// unwind releases an RLock fully for a condition's wait and says how deep
// it was held; rewind takes it back that deep.
func (l *lockObj) unwind(me owner) (int, error) {
	l.mu.Lock()
	if !l.held || l.recursive && l.by != me {
		l.mu.Unlock()
		return 0, fmt.Errorf("%w: wait on a condition whose lock is not held", ErrNotOwner)
	}
	n := l.count
	l.mu.Unlock()
	return n, l.release(me, true)
}

func (l *lockObj) rewind(c *Call, n int) error {
	// The lock is taken back whatever the deadline (CPython's wait does
	// too); only the client's end stops it.
	back := &Call{Request: &Request{Op: OpAcquire, Owner: c.Owner, Token: c.Token}, Ctx: c.Ctx}
	if err := l.acquire(back); err != nil {
		return err
	}
	l.mu.Lock()
	l.count = n
	l.mu.Unlock()
	return nil
}

// semObj is a semaphore, bounded or not.
type semObj struct {
	mu      sync.Mutex
	value   uint64
	bound   uint64 // 0: none
	changed signal
}

func newSemaphore(args [][]byte) (*semObj, error) {
	v, err := argU64(args, 0)
	if err != nil {
		return nil, err
	}
	b, err := argU64(args, 1)
	if err != nil {
		return nil, err
	}
	return &semObj{value: v, bound: b, changed: newSignal()}, nil
}

func (s *semObj) call(c *Call) ([][]byte, error) {
	switch c.Op {
	case OpAcquire:
		ctx, cancel := c.wait()
		defer cancel()
		s.mu.Lock()
		for s.value == 0 {
			ch := s.changed.ch
			s.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				return nil, ErrTimeout
			}
			s.mu.Lock()
		}
		s.value--
		s.mu.Unlock()
		return nil, nil
	case OpRelease:
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.bound > 0 && s.value >= s.bound {
			return nil, fmt.Errorf("%w: semaphore released too many times", ErrNotOwner)
		}
		s.value++
		s.changed.broadcast()
		return nil, nil
	case OpSemValue:
		s.mu.Lock()
		defer s.mu.Unlock()
		return [][]byte{u64b(s.value)}, nil
	}
	return nil, refused(c.Op, "semaphore")
}

func (s *semObj) undo(c *Call, _ [][]byte) {
	if c.Op == OpAcquire {
		s.mu.Lock()
		s.value++
		s.changed.broadcast()
		s.mu.Unlock()
	}
}
