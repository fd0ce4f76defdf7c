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
	ref  *segRef
	n    int
	lock *Lock // nil for a raw array; shares ref
	raw  bool
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
	return newArrayAt[T](newSegRef(seg), n, raw), nil
}

func newArrayAt[T any](ref *segRef, n int, raw bool) *Array[T] {
	a := &Array[T]{ref: ref, n: n, raw: raw}
	if !raw {
		a.lock = newLockAt(ref, 0)
	}
	return a
}

func (a *Array[T]) check() {
	if a == nil {
		panic("mproc: use of a nil Array")
	}
	a.ref.usable("Array")
}

// Len is the number of elements.
func (a *Array[T]) Len() int { a.check(); return a.n }

// Slice is the shared elements themselves, for access without the lock;
// valid until Close.
func (a *Array[T]) Slice() []T {
	a.check()
	if a.n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(a.ref.seg.Pointer(valueData)), a.n)
}

// Get returns element i; it panics if i is out of range, like a slice.
func (a *Array[T]) Get(i int) T { return a.Slice()[i] }

// Set sets element i; it panics if i is out of range, like a slice.
func (a *Array[T]) Set(i int, v T) { a.Slice()[i] = v }

// Locker is the lock that guards the array (CPython's get_lock()); nil for
// a raw array. It shares the array's memory: closing either closes both.
func (a *Array[T]) Locker() *Lock {
	a.check()
	return a.lock
}

// Update runs f on the elements under the lock (without it for a raw
// array). f must not keep the slice.
func (a *Array[T]) Update(f func(s []T)) {
	if l := a.Locker(); l != nil {
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

// Close lets go of the array in this process: its shared memory is
// unmapped here and its descriptor closed, and its lock with it. Other
// processes that have the array keep using it; the kernel frees it with
// the last one. After Close, this process's methods panic (they have no
// error to return), and slices from Slice must not be used. Closing again
// does nothing and returns nil. Close only an array no goroutine of this
// process is using.
func (a *Array[T]) Close() error { return a.ref.close() }

func (a *Array[T]) attach(at *attachments) {
	if a.ref.err("Array") == nil {
		at.addSegment(a.ref.seg)
	}
}

// MarshalBinary encodes the array as a handle to its shared memory, which
// travels beside the message.
func (a *Array[T]) MarshalBinary() ([]byte, error) {
	return encodeHandle(handle{Kind: "array", Elem: int(unsafe.Sizeof(*new(T))), Len: a.n, Raw: a.raw}, a.ref)
}

// UnmarshalBinary finds the array's shared memory, which came with the
// message.
func (a *Array[T]) UnmarshalBinary(b []byte) error {
	size := int(unsafe.Sizeof(*new(T)))
	ref, h, err := decodeHandle(b, "array", func(h handle) int {
		if size > 0 && h.Len > (1<<40)/size {
			return -1
		}
		return valueData + h.Len*size
	})
	if err != nil {
		return err
	}
	if h.Elem != size {
		ref.close()
		return fmt.Errorf("%w: %d-byte elements where %v (%d bytes) belongs", ErrUnencodable, h.Elem, reflect.TypeFor[T](), size)
	}
	*a = *newArrayAt[T](ref, h.Len, h.Raw)
	return nil
}
