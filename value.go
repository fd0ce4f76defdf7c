package mproc

import (
	"fmt"
	"reflect"
	"sync/atomic"
	"unsafe"

	"mproc/internal/shm"
)

// Value is a T in shared memory (CPython's Value), with a Lock beside it.
// T must be fixed-size and hold no pointers: numbers, bools, and arrays and
// structs of them. Every copy, in any process, refers to the same memory.
//
// Load, Store, Add and CompareAndSwap are atomic for 4- and 8-byte integer
// types and take the lock for other types; Update always runs under the
// lock. A raw value (NewRawValue, CPython's RawValue) takes no lock: Load
// and Store of a large T may then see a half-written value.
type Value[T any] struct {
	ref  *segRef
	p    *T    // the value, in ref's memory
	lock *Lock // nil for a raw value; shares ref
	raw  bool
}

// valueData is where the T starts: after the lock word, 64-byte aligned.
const valueData = 64

// NewValue creates a Value holding v.
func NewValue[T any](v T) (*Value[T], error) { return newValue(v, false) }

// NewRawValue creates a Value holding v whose operations take no lock.
func NewRawValue[T any](v T) (*Value[T], error) { return newValue(v, true) }

func newValue[T any](v T, raw bool) (*Value[T], error) {
	if err := checkPlain(reflect.TypeFor[T]()); err != nil {
		return nil, err
	}
	seg, err := shm.New(valueData + int(unsafe.Sizeof(v)))
	if err != nil {
		return nil, err
	}
	x := newValueAt[T](newSegRef(seg), raw)
	*x.p = v
	return x, nil
}

func newValueAt[T any](ref *segRef, raw bool) *Value[T] {
	v := &Value[T]{ref: ref, p: (*T)(ref.seg.Pointer(valueData)), raw: raw}
	if !raw {
		v.lock = newLockAt(ref, 0)
	}
	return v
}

// checkPlain refuses types whose memory means nothing in another process.
func checkPlain(t reflect.Type) error {
	if !plain(t) {
		return fmt.Errorf("%w: %v holds pointers (or slices, strings, maps...); shared memory takes fixed-size numbers, bools, and arrays and structs of them", ErrUnencodable, t)
	}
	return nil
}

func plain(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	case reflect.Array:
		return plain(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !plain(t.Field(i).Type) {
				return false
			}
		}
		return true
	}
	return false
}

// Pointer is the shared T itself, for access without the lock. It is valid
// until Close.
func (v *Value[T]) Pointer() *T {
	if v == nil {
		panic("mproc: use of a nil Value")
	}
	v.ref.usable("Value")
	return v.p
}

// Locker is the lock that guards the value (CPython's get_lock()); nil for
// a raw value. It shares the value's memory: closing either closes both.
func (v *Value[T]) Locker() *Lock {
	v.Pointer()
	return v.lock
}

// atomicWord reports T's size when it is a 4- or 8-byte integer, handled
// with atomics; 0 otherwise.
func atomicWord[T any]() uintptr {
	var zero T
	switch reflect.TypeFor[T]().Kind() {
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if s := unsafe.Sizeof(zero); s == 4 || s == 8 {
			return s
		}
	}
	return 0
}

func (v *Value[T]) locked(f func(p *T)) {
	p := v.Pointer()
	if v.raw {
		f(p)
		return
	}
	v.lock.Lock()
	defer v.lock.Unlock()
	f(p)
}

// Load returns the value.
func (v *Value[T]) Load() T {
	p := v.Pointer()
	switch atomicWord[T]() {
	case 4:
		x := atomic.LoadUint32((*uint32)(unsafe.Pointer(p)))
		return *(*T)(unsafe.Pointer(&x))
	case 8:
		x := atomic.LoadUint64((*uint64)(unsafe.Pointer(p)))
		return *(*T)(unsafe.Pointer(&x))
	}
	var out T
	v.locked(func(p *T) { out = *p })
	return out
}

// Store sets the value.
func (v *Value[T]) Store(x T) {
	p := v.Pointer()
	switch atomicWord[T]() {
	case 4:
		atomic.StoreUint32((*uint32)(unsafe.Pointer(p)), *(*uint32)(unsafe.Pointer(&x)))
		return
	case 8:
		atomic.StoreUint64((*uint64)(unsafe.Pointer(p)), *(*uint64)(unsafe.Pointer(&x)))
		return
	}
	v.locked(func(p *T) { *p = x })
}

// Update runs f on the value under the lock (without it for a raw value),
// for read-modify-write of any T: the `with v.get_lock(): v.value += 1` of
// CPython.
func (v *Value[T]) Update(f func(p *T)) { v.locked(f) }

// Add adds delta to a numeric value and returns the new value. It panics
// for a T that is not a number.
func (v *Value[T]) Add(delta T) T {
	p := v.Pointer()
	switch atomicWord[T]() {
	case 4:
		x := atomic.AddUint32((*uint32)(unsafe.Pointer(p)), *(*uint32)(unsafe.Pointer(&delta)))
		return *(*T)(unsafe.Pointer(&x))
	case 8:
		x := atomic.AddUint64((*uint64)(unsafe.Pointer(p)), *(*uint64)(unsafe.Pointer(&delta)))
		return *(*T)(unsafe.Pointer(&x))
	}
	var out T
	v.locked(func(p *T) {
		r := reflect.ValueOf(p).Elem()
		d := reflect.ValueOf(delta)
		switch r.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			r.SetInt(r.Int() + d.Int())
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			r.SetUint(r.Uint() + d.Uint())
		case reflect.Float32, reflect.Float64:
			r.SetFloat(r.Float() + d.Float())
		case reflect.Complex64, reflect.Complex128:
			r.SetComplex(r.Complex() + d.Complex())
		default:
			panic(fmt.Sprintf("mproc: Value[%v].Add needs a number", r.Type()))
		}
		out = *p
	})
	return out
}

// CompareAndSwap sets the value to new if it equals old (bit for bit) and
// reports whether it did.
func (v *Value[T]) CompareAndSwap(old, new T) bool {
	p := v.Pointer()
	switch atomicWord[T]() {
	case 4:
		return atomic.CompareAndSwapUint32((*uint32)(unsafe.Pointer(p)), *(*uint32)(unsafe.Pointer(&old)), *(*uint32)(unsafe.Pointer(&new)))
	case 8:
		return atomic.CompareAndSwapUint64((*uint64)(unsafe.Pointer(p)), *(*uint64)(unsafe.Pointer(&old)), *(*uint64)(unsafe.Pointer(&new)))
	}
	swapped := false
	v.locked(func(p *T) {
		if bytesOf(p) == bytesOf(&old) {
			*p, swapped = new, true
		}
	})
	return swapped
}

func bytesOf[T any](p *T) string {
	return unsafe.String((*byte)(unsafe.Pointer(p)), unsafe.Sizeof(*p))
}

// Close lets go of the value in this process: its shared memory is
// unmapped here and its descriptor closed, and its lock with it. Other
// processes that have the value keep using it; the kernel frees it with
// the last one. After Close, this process's methods panic (they have no
// error to return), and Pointer's result must not be used. Closing again
// does nothing and returns nil. Close only a value no goroutine of this
// process is using.
func (v *Value[T]) Close() error { return v.ref.close() }

func (v *Value[T]) attach(at *attachments) {
	if v.ref.err("Value") == nil {
		at.addSegment(v.ref.seg)
	}
}

// MarshalBinary encodes the value as a handle to its shared memory, which
// travels beside the message.
func (v *Value[T]) MarshalBinary() ([]byte, error) {
	return encodeHandle(handle{Kind: "value", Elem: int(unsafe.Sizeof(*new(T))), Raw: v.raw}, v.ref)
}

// UnmarshalBinary finds the value's shared memory, which came with the
// message.
func (v *Value[T]) UnmarshalBinary(b []byte) error {
	size := int(unsafe.Sizeof(*new(T)))
	ref, h, err := decodeHandle(b, "value", func(handle) int { return valueData + size })
	if err != nil {
		return err
	}
	if h.Elem != size {
		ref.close()
		return fmt.Errorf("%w: a %d-byte value where a %v (%d bytes) belongs", ErrUnencodable, h.Elem, reflect.TypeFor[T](), size)
	}
	*v = *newValueAt[T](ref, h.Raw)
	return nil
}
