package manager

import (
	"context"

	"mproc/internal/mgr"
	"mproc/internal/wire"
)

// Queue is a proxy for a queue held by a Manager (CPython's
// m.Queue()): slower than Queue, which lives in shared memory, but
// reachable from other machines.
type Queue[T any] struct{ ref proxyRef }

func (q *Queue[T]) c() *wire.Coder[T] { return coderOf[T]() }

// NewQueue makes a queue in m holding at most maxsize items (0: no
// limit).
func NewQueue[T any](ctx context.Context, m *Manager, maxsize int) (*Queue[T], error) {
	ref, err := m.create(ctx, mgr.KindQueue, u64Arg(uint64(max(maxsize, 0))))
	if err != nil {
		return nil, err
	}
	return &Queue[T]{ref}, nil
}

// Put adds v, waiting for room as long as ctx allows (then an error
// matching ErrFull).
func (q *Queue[T]) Put(ctx context.Context, v T) error { return q.put(ctx, v, false) }

// TryPut adds v if there is room now, or returns an error matching ErrFull.
func (q *Queue[T]) TryPut(ctx context.Context, v T) error { return q.put(ctx, v, true) }

func (q *Queue[T]) put(ctx context.Context, v T, nowait bool) error {
	b, err := q.c().Encode(v)
	if err != nil {
		return err
	}
	if nowait {
		_, err = q.ref.callNoWait(ctx, mgr.OpQueuePut, b)
	} else {
		_, err = q.ref.call(ctx, mgr.OpQueuePut, b)
	}
	return err
}

// Get removes and returns the next item, waiting as long as ctx allows
// (then an error matching ErrEmpty).
func (q *Queue[T]) Get(ctx context.Context) (T, error) {
	return decodeOne[T](q.ref.call(ctx, mgr.OpQueueGet))
}

// TryGet returns the next item if there is one now, or an error matching
// ErrEmpty.
func (q *Queue[T]) TryGet(ctx context.Context) (T, error) {
	return decodeOne[T](q.ref.callNoWait(ctx, mgr.OpQueueGet))
}

// Len is the number of items in the queue.
func (q *Queue[T]) Len(ctx context.Context) (int, error) {
	vals, err := q.ref.call(ctx, mgr.OpQueueLen)
	if err != nil {
		return 0, err
	}
	n, err := u64Val(vals)
	return int(n), err
}

// MarshalBinary encodes the proxy as its manager's address and the queue's id.
func (q *Queue[T]) MarshalBinary() ([]byte, error) { return q.ref.marshal("Queue") }

// UnmarshalBinary makes the proxy reach the same queue.
func (q *Queue[T]) UnmarshalBinary(b []byte) error {
	ref, err := unmarshalRef(b, "Queue")
	q.ref = ref
	return err
}
