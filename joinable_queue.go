package mproc

import (
	"context"
	"fmt"
)

// JoinableQueue is a Queue whose consumers mark each item done, so that
// producers can wait for all of them to be processed (CPython's
// JoinableQueue): every Put counts one unfinished item, every TaskDone one
// finished, and Join waits for none to be left.
type JoinableQueue[T any] struct {
	*Queue[T]
}

// NewJoinableQueue creates a joinable queue holding at most maxsize items
// (0: no limit).
func NewJoinableQueue[T any](maxsize int, opts ...QueueOption) (*JoinableQueue[T], error) {
	q, err := newQueue[T](maxsize, true, opts)
	if err != nil {
		return nil, err
	}
	return &JoinableQueue[T]{q}, nil
}

// TaskDone marks one item got from the queue as processed. Calling it more
// times than items were put returns ErrTaskDone.
func (q *JoinableQueue[T]) TaskDone() error {
	if err := q.enter(); err != nil {
		return err
	}
	defer q.exit()
	return q.r.TaskDone()
}

// Join waits until every item put has been marked done, or returns ctx's
// error.
func (q *JoinableQueue[T]) Join(ctx context.Context) error {
	if err := q.enter(); err != nil {
		return err
	}
	defer q.exit()
	return q.r.Join(ctx)
}

// MarshalBinary encodes the queue as a handle; its memory and sockets
// travel beside the message.
func (q *JoinableQueue[T]) MarshalBinary() ([]byte, error) {
	if q == nil || q.Queue == nil {
		return nil, fmt.Errorf("%w: a zero JoinableQueue", ErrUnencodable)
	}
	return q.marshal("joinablequeue")
}

// UnmarshalBinary finds the queue's memory and sockets, which came with the
// message.
func (q *JoinableQueue[T]) UnmarshalBinary(b []byte) error {
	nq, err := decodeQueue[T](b, "joinablequeue")
	if err == nil {
		q.Queue = nq
	}
	return err
}
