package manager

import (
	"context"
	"math"

	"mproc/internal/mgr"
	"mproc/internal/wire"
)

// List is a proxy for a list held by a Manager (CPython's ListProxy).
// Indexes follow Python: negative ones count from the end, and slices
// clamp their bounds.
type List[T any] struct{ ref proxyRef }

func (l *List[T]) c() *wire.Coder[T] { return coderOf[T]() }

// NewList makes a list in m holding init (CPython's m.list(init)).
func NewList[T any](ctx context.Context, m *Manager, init []T) (*List[T], error) {
	l := &List[T]{}
	args, err := l.encodeAll(init)
	if err != nil {
		return nil, err
	}
	if l.ref, err = m.create(ctx, mgr.KindList, args...); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *List[T]) encodeAll(vs []T) ([][]byte, error) {
	args := make([][]byte, len(vs))
	for i, v := range vs {
		b, err := l.c().EncodeCopy(v)
		if err != nil {
			return nil, err
		}
		args[i] = b
	}
	return args, nil
}

func (l *List[T]) all(vals [][]byte, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	out := make([]T, len(vals))
	for i, b := range vals {
		if out[i], err = l.c().Decode(b); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Get returns l[i], or an error matching ErrIndexOutOfRange.
func (l *List[T]) Get(ctx context.Context, i int) (T, error) {
	return decodeOne[T](l.ref.call(ctx, mgr.OpListGet, u64Arg(uint64(i))))
}

// Set sets l[i] = v.
func (l *List[T]) Set(ctx context.Context, i int, v T) error {
	b, err := l.c().Encode(v)
	if err != nil {
		return err
	}
	_, err = l.ref.call(ctx, mgr.OpListSet, u64Arg(uint64(i)), b)
	return err
}

// Len is len(l).
func (l *List[T]) Len(ctx context.Context) (int, error) {
	vals, err := l.ref.call(ctx, mgr.OpListLen)
	if err != nil {
		return 0, err
	}
	n, err := u64Val(vals)
	return int(n), err
}

// Append adds v at the end.
func (l *List[T]) Append(ctx context.Context, v T) error {
	b, err := l.c().Encode(v)
	if err != nil {
		return err
	}
	_, err = l.ref.call(ctx, mgr.OpListAppend, b)
	return err
}

// Extend adds vs at the end, in one step.
func (l *List[T]) Extend(ctx context.Context, vs []T) error {
	args, err := l.encodeAll(vs)
	if err != nil {
		return err
	}
	_, err = l.ref.call(ctx, mgr.OpListExtend, args...)
	return err
}

// Index returns the position of the first item equal to v (by encoding),
// or an error matching ErrKeyNotFound (CPython's ValueError).
func (l *List[T]) Index(ctx context.Context, v T) (int, error) {
	b, err := l.c().Encode(v)
	if err != nil {
		return 0, err
	}
	vals, err := l.ref.call(ctx, mgr.OpListIndex, b)
	if err != nil {
		return 0, err
	}
	n, err := u64Val(vals)
	return int(n), err
}

// Remove removes the first item equal to v, or returns an error matching
// ErrKeyNotFound.
func (l *List[T]) Remove(ctx context.Context, v T) error {
	b, err := l.c().Encode(v)
	if err != nil {
		return err
	}
	_, err = l.ref.call(ctx, mgr.OpListRemove, b)
	return err
}

// Slice returns l[i:j].
func (l *List[T]) Slice(ctx context.Context, i, j int) ([]T, error) {
	return l.all(l.ref.call(ctx, mgr.OpListSlice, u64Arg(uint64(i)), u64Arg(uint64(j))))
}

// All returns every item (CPython's l[:]).
func (l *List[T]) All(ctx context.Context) ([]T, error) { return l.Slice(ctx, 0, math.MaxInt64) }

// Insert inserts v before position i.
func (l *List[T]) Insert(ctx context.Context, i int, v T) error {
	b, err := l.c().Encode(v)
	if err != nil {
		return err
	}
	_, err = l.ref.call(ctx, mgr.OpListInsert, u64Arg(uint64(i)), b)
	return err
}

// Pop removes and returns l[i] (-1: the last).
func (l *List[T]) Pop(ctx context.Context, i int) (T, error) {
	return decodeOne[T](l.ref.call(ctx, mgr.OpListPop, u64Arg(uint64(i))))
}

// Delete removes l[i] (del l[i]).
func (l *List[T]) Delete(ctx context.Context, i int) error {
	_, err := l.ref.call(ctx, mgr.OpListDelete, u64Arg(uint64(i)))
	return err
}

// Clear removes every item.
func (l *List[T]) Clear(ctx context.Context) error {
	_, err := l.ref.call(ctx, mgr.OpListClear)
	return err
}

// MarshalBinary encodes the proxy as its manager's address and the list's id.
func (l *List[T]) MarshalBinary() ([]byte, error) { return l.ref.marshal("List") }

// UnmarshalBinary makes the proxy reach the same list.
func (l *List[T]) UnmarshalBinary(b []byte) error {
	ref, err := unmarshalRef(b, "List")
	l.ref = ref
	return err
}
