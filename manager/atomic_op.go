package manager

import (
	"fmt"
	"reflect"

	"mproc"
	"mproc/internal/mgr"
)

// AtomicOp is an operation a manager applies to a stored value in one
// step, so that no lock is needed around a read-modify-write (Dict.Apply,
// Value.Apply).
type AtomicOp string

// The operations: numeric ones need a number type, OpAppend a string or
// []byte, and OpSet works on any type.
const (
	OpAdd    AtomicOp = "add" // numbers
	OpSub    AtomicOp = "sub"
	OpMul    AtomicOp = "mul"
	OpMin    AtomicOp = "min"
	OpMax    AtomicOp = "max"
	OpAppend AtomicOp = "append" // strings and []byte
	OpSet    AtomicOp = "set"    // any type
)

// numKind describes T to the manager for an atomic operation: numbers by
// class and width, strings and byte slices as bytes.
func numKind[T any]() ([]byte, error) {
	t := reflect.TypeFor[T]()
	w := byte(t.Size())
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return []byte{mgr.ClassInt, w}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return []byte{mgr.ClassUint, w}, nil
	case reflect.Float32, reflect.Float64:
		return []byte{mgr.ClassFloat, w}, nil
	case reflect.String:
		return []byte{mgr.ClassBytes, 0}, nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return []byte{mgr.ClassBytes, 0}, nil
		}
	}
	return []byte{0, 0}, fmt.Errorf("%w: atomic operations need numbers, strings or []byte, not %v", mproc.ErrUnencodable, t)
}
