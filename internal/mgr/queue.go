package mgr

import "sync"

// queueObj is a FIFO queue with an optional item limit.
type queueObj struct {
	mu      sync.Mutex
	items   [][]byte
	max     int // 0: no limit
	changed signal
}

func newQueue(max int) *queueObj { return &queueObj{max: max, changed: newSignal()} }

func (q *queueObj) call(c *Call) ([][]byte, error) {
	switch c.Op {
	case OpQueuePut:
		if len(c.Args) != 1 {
			return nil, bad("put takes one item")
		}
		return nil, q.put(c, clone(c.Args[0]))
	case OpQueueGet:
		v, err := q.get(c)
		if err != nil {
			return nil, err
		}
		return [][]byte{v}, nil
	case OpQueueLen:
		q.mu.Lock()
		defer q.mu.Unlock()
		return [][]byte{u64b(uint64(len(q.items)))}, nil
	}
	return nil, refused(c.Op, "queue")
}

func (q *queueObj) put(c *Call, v []byte) error {
	ctx, cancel := c.wait()
	defer cancel()
	q.mu.Lock()
	for q.max > 0 && len(q.items) >= q.max {
		ch := q.changed.ch
		q.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ErrFull
		}
		q.mu.Lock()
	}
	q.items = append(q.items, v)
	q.changed.broadcast()
	q.mu.Unlock()
	return nil
}

func (q *queueObj) get(c *Call) ([]byte, error) {
	ctx, cancel := c.wait()
	defer cancel()
	q.mu.Lock()
	for len(q.items) == 0 {
		ch := q.changed.ch
		q.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ErrEmpty
		}
		q.mu.Lock()
	}
	v := q.items[0]
	q.items[0] = nil
	q.items = q.items[1:]
	q.changed.broadcast()
	q.mu.Unlock()
	return v, nil
}

// undo puts back an item whose Get could not be answered, at the front.
func (q *queueObj) undo(c *Call, vals [][]byte) {
	if c.Op != OpQueueGet || len(vals) != 1 {
		return
	}
	q.mu.Lock()
	q.items = append([][]byte{vals[0]}, q.items...)
	q.changed.broadcast()
	q.mu.Unlock()
}
