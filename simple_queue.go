package mproc

import (
	"context"
	"fmt"
)

// SimpleQueue is an unbounded queue with only put, get, empty and close
// (CPython's SimpleQueue).
type SimpleQueue[T any] struct {
	q *Queue[T]
}

// NewSimpleQueue creates a simple queue.
func NewSimpleQueue[T any](opts ...QueueOption) (*SimpleQueue[T], error) {
	q, err := newQueue[T](0, false, opts)
	if err != nil {
		return nil, err
	}
	return &SimpleQueue[T]{q}, nil
}

// Put adds v. It waits for no room: the queue grows as a Queue does.
func (s *SimpleQueue[T]) Put(ctx context.Context, v T) error { return s.q.Put(ctx, v) }

// Get removes and returns the next item, waiting for one.
func (s *SimpleQueue[T]) Get(ctx context.Context) (T, error) { return s.q.Get(ctx) }

// Empty reports whether the queue is empty (approximate).
func (s *SimpleQueue[T]) Empty() bool { return s.q.Empty() }

// Close closes the queue for everyone and lets go of it in this process,
// as Queue.Close does.
func (s *SimpleQueue[T]) Close() error { return s.q.Close() }

func (s *SimpleQueue[T]) attach(at *attachments) { s.q.attach(at) }

// MarshalBinary encodes the queue as a handle; its memory and sockets
// travel beside the message.
func (s *SimpleQueue[T]) MarshalBinary() ([]byte, error) {
	if s == nil || s.q == nil {
		return nil, fmt.Errorf("%w: a zero SimpleQueue", ErrUnencodable)
	}
	return s.q.marshal("simplequeue")
}

// UnmarshalBinary finds the queue's memory and sockets, which came with the
// message.
func (s *SimpleQueue[T]) UnmarshalBinary(b []byte) error {
	q, err := decodeQueue[T](b, "simplequeue")
	if err == nil {
		s.q = q
	}
	return err
}
