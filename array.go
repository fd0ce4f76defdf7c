package mproc

import (
	"fmt"
	"reflect"
	"unsafe"

	"mproc/internal/shm"
)

// Array is a fixed-length array of T in shared memory (CPython's Array),
// zero-filled, with a Lock beside it. T must be fixed-size and hold no
// pointers. Get and Set of one element take no lock; Update gives a locked
// view of the whole array, Slice an unlocked one. Every copy, in any
// process, refers to the same memory.
type Array[T any] struct {
	seg *shm.Segment
	n   int
	raw bool
}

// NewArray creates a zero-filled array of n elements.
func NewArray[T any](n int) (*Array[T], error) { return newArray[T](n, false) }

// NewRawArray creates a zero-filled array of n elements without a lock
// (CPython's RawArray).
func NewRawArray[T any](n int) (*Array[T], error) { return newArray[T](n, true) }

// NewArrayFrom creates an array holding a copy of vals.
func NewArrayFrom[T any](vals []T) (*Array[T], error) {
	a, err := NewArray[T](len(vals))
	if err == nil {
		copy(a.Slice(), vals)
	}
	return a, err
}

func newArray[T any](n int, raw bool) (*Array[T], error) {
	if err := checkPlain(reflect.TypeFor[T]()); err != nil {
		return nil, err
	}
	size := int(unsafe.Sizeof(*new(T)))
	if n < 0 || size > 0 && n > (1<<40)/size {
		return nil, fmt.Errorf("mproc: array length %d out of range", n)
	}
	seg, err := shm.New(valueData + n*size)
	if err != nil {
		return nil, err
	}
	return &Array[T]{seg: seg, n: n, raw: raw}, nil
}

func (a *Array[T]) check() {
	if a == nil || a.seg == nil {
		panic("mproc: use of an Array not made by NewArray")
	}
}

// Len is the number of elements.
func (a *Array[T]) Len() int { a.check(); return a.n }

// Slice is the shared elements themselves, for access without the lock.
func (a *Array[T]) Slice() []T {
	a.check()
	if a.n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(a.seg.Pointer(valueData)), a.n)
}

// Get returns element i; it panics if i is out of range, like a slice.
func (a *Array[T]) Get(i int) T { return a.Slice()[i] }

// Set sets element i; it panics if i is out of range, like a slice.
func (a *Array[T]) Set(i int, v T) { a.Slice()[i] = v }

// Lock is the lock that guards the array (CPython's get_lock()); nil for a
// raw array.
func (a *Array[T]) Lock() *Lock {
	a.check()
	if a.raw {
		return nil
	}
	return &Lock{seg: a.seg}
}

// Update runs f on the elements under the lock (without it for a raw
// array). f must not keep the slice.
func (a *Array[T]) Update(f func(s []T)) {
	if l := a.Lock(); l != nil {
		l.Lock()
		defer l.Unlock()
	}
	f(a.Slice())
}

// Copy returns a copy of the elements, taken under the lock.
func (a *Array[T]) Copy() []T {
	var out []T
	a.Update(func(s []T) { out = append([]T(nil), s...) })
	return out
}

func (a *Array[T]) attach(at *attachments) { at.addSegment(a.seg) }

// MarshalCBOR encodes the array as a handle to its shared memory.
func (a *Array[T]) MarshalCBOR() ([]byte, error) {
	return encodeHandle(handle{Kind: "array", Elem: int(unsafe.Sizeof(*new(T))), Len: a.n, Raw: a.raw}, a.seg)
}

// UnmarshalCBOR finds the array's shared memory, which came with the message.
func (a *Array[T]) UnmarshalCBOR(b []byte) error {
	size := int(unsafe.Sizeof(*new(T)))
	seg, h, err := decodeHandle(b, "array", func(h handle) int {
		if size > 0 && h.Len > (1<<40)/size {
			return -1
		}
		return valueData + h.Len*size
	})
	if err == nil && h.Elem != size {
		err = fmt.Errorf("%w: %d-byte elements where %v (%d bytes) belongs", ErrUnencodable, h.Elem, reflect.TypeFor[T](), size)
	}
	if err != nil {
		return err
	}
	a.seg, a.n, a.raw = seg, h.Len, h.Raw
	return nil
}
