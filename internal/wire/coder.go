package wire

import (
	"fmt"
	"reflect"
	"unsafe"
)

type coderKind uint8

const (
	viaCodec   coderKind = iota
	rawBytes             // []byte and types whose underlying type is []byte
	rawString            // string and named string types
	fixedValue           // pointer-free fixed-size values, copied as memory
	fixedSlice           // slices of such values, copied as memory
	empty                // struct{} and other zero-size types
)

// Coder encodes and decodes values of one type, taking a fast path without
// the codec where the type allows it.
type Coder[T any] struct {
	kind  coderKind
	size  int // of T for fixedValue, of the element for fixedSlice
	typ   reflect.Type
	codec Codec
}

// NewCoder picks the fastest safe encoding for T; codec handles the rest
// (nil means CBOR).
func NewCoder[T any](codec Codec) *Coder[T] {
	if codec == nil {
		codec = CBOR
	}
	t := reflect.TypeFor[T]()
	c := &Coder[T]{typ: t, codec: codec}
	switch {
	case t.Size() == 0 && t.Kind() != reflect.Interface:
		c.kind = empty
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		c.kind = rawBytes
	case t.Kind() == reflect.String:
		c.kind = rawString
	case IsFixed(t):
		c.kind, c.size = fixedValue, int(t.Size())
	case t.Kind() == reflect.Slice && IsFixed(t.Elem()) && t.Elem().Size() > 0:
		c.kind, c.size = fixedSlice, int(t.Elem().Size())
	}
	return c
}

// Type is the type this coder encodes.
func (c *Coder[T]) Type() reflect.Type { return c.typ }

// DecodeCopy is Decode for bytes the caller will reuse: the value never
// shares memory with b.
func (c *Coder[T]) DecodeCopy(b []byte) (T, error) {
	if c.kind == rawBytes || c.kind == rawString {
		b = append([]byte(nil), b...)
	}
	return c.Decode(b)
}

// Check reports whether v can be encoded, without encoding it.
func (c *Coder[T]) Check(v T) error {
	if c.kind != viaCodec {
		return nil
	}
	if err := CheckType(c.typ); err != nil {
		return err
	}
	return CheckValue(reflect.ValueOf(&v).Elem())
}

// Encode returns v's bytes. For []byte and fixed-size slices the result may
// alias v's memory; callers write it out before changing v.
func (c *Coder[T]) Encode(v T) ([]byte, error) {
	switch c.kind {
	case empty:
		return nil, nil
	case rawBytes:
		return escapeEmpty(*(*[]byte)(unsafe.Pointer(&v))), nil
	case rawString:
		s := *(*string)(unsafe.Pointer(&v))
		return unsafe.Slice(unsafe.StringData(s), len(s)), nil
	case fixedValue:
		return append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(&v)), c.size)...), nil
	case fixedSlice:
		s := *(*[]byte)(unsafe.Pointer(&v)) // header with the element count as length
		return escapeEmpty(unsafe.Slice(unsafe.SliceData(s), len(s)*c.size)), nil
	}
	if err := c.Check(v); err != nil {
		return nil, err
	}
	b, err := c.codec.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %v: %w", ErrUnencodable, c.typ, err)
	}
	return b, nil
}

// EncodeCopy is Encode for a result kept past v's changes: it never
// shares memory with v.
func (c *Coder[T]) EncodeCopy(v T) ([]byte, error) {
	b, err := c.Encode(v)
	if err == nil && (c.kind == rawBytes || c.kind == rawString || c.kind == fixedSlice) {
		b = append([]byte(nil), b...)
	}
	return b, err
}

// EncodeAlias is Encode without a copy where T's memory is its encoding
// (fixed-size values): the result aliases *v and is valid while *v is.
func (c *Coder[T]) EncodeAlias(v *T) ([]byte, error) {
	if c.kind == fixedValue {
		return unsafe.Slice((*byte)(unsafe.Pointer(v)), c.size), nil
	}
	return c.Encode(*v)
}

// Decode turns b back into a value. It may keep b (for []byte), so callers
// hand over buffers they will not reuse.
func (c *Coder[T]) Decode(b []byte) (T, error) {
	var v T
	switch c.kind {
	case empty:
		if len(b) != 0 {
			return v, fmt.Errorf("%w: %d bytes for empty %v", ErrCorrupt, len(b), c.typ)
		}
	case rawBytes:
		*(*[]byte)(unsafe.Pointer(&v)) = unescapeEmpty(b)
	case rawString:
		if len(b) > 0 {
			*(*string)(unsafe.Pointer(&v)) = unsafe.String(unsafe.SliceData(b), len(b))
		}
	case fixedValue:
		if len(b) != c.size {
			return v, fmt.Errorf("%w: %d bytes for %v (size %d)", ErrCorrupt, len(b), c.typ, c.size)
		}
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&v)), c.size), b)
	case fixedSlice:
		return c.decodeSlice(b)
	default:
		return c.decodeCodec(b)
	}
	return v, nil
}

// decodeCodec decodes through the codec. It is apart so that only its v,
// whose address goes through the codec's interface, is on the heap: with
// one v for every kind, each Decode of an int allocated.
func (c *Coder[T]) decodeCodec(b []byte) (T, error) {
	var v T
	if err := c.codec.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("%w: decoding %v: %w", ErrCorrupt, c.typ, err)
	}
	return v, nil
}

func (c *Coder[T]) decodeSlice(b []byte) (T, error) {
	var v T
	b = unescapeEmpty(b)
	if len(b)%c.size != 0 {
		return v, fmt.Errorf("%w: %d bytes is not a whole number of %v elements", ErrCorrupt, len(b), c.typ.Elem())
	}
	if b == nil {
		return v, nil
	}
	n := len(b) / c.size
	s := reflect.MakeSlice(c.typ, n, n)
	copy(unsafe.Slice((*byte)(s.UnsafePointer()), len(b)), b)
	return s.Interface().(T), nil
}

// A slice sent as raw memory must arrive nil when it was nil and empty when
// it was empty, but both have no bytes. So the bytes are shifted along the
// run of 0xFF bytes: nil is sent as no bytes, an empty slice as one 0xFF,
// k bytes of 0xFF as k+1 of them, and everything else as itself. Only a
// slice of nothing but 0xFF pays for a copy; any other one is told apart by
// its first byte that is not 0xFF, most often its first.

// escapeEmpty returns the bytes that stand for s.
func escapeEmpty(s []byte) []byte {
	switch {
	case s == nil:
		return nil
	case len(s) == 0:
		return []byte{0xFF}
	case s[0] != 0xFF || !allFF(s):
		return s
	}
	return append(s[:len(s):len(s)], 0xFF)
}

// unescapeEmpty undoes escapeEmpty; it keeps b's memory.
func unescapeEmpty(b []byte) []byte {
	switch {
	case len(b) == 0:
		return nil
	case b[0] != 0xFF || !allFF(b):
		return b
	}
	return b[:len(b)-1]
}

func allFF(b []byte) bool {
	for _, x := range b {
		if x != 0xFF {
			return false
		}
	}
	return true
}

// IsFixed reports whether t is a fixed-size type without pointers whose every
// bit pattern is a valid value: integers, floats, complex numbers, and arrays
// and structs of them. Such values are copied as memory. (bool is left out: a
// byte other than 0 or 1 is not a valid bool.)
func IsFixed(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	case reflect.Array:
		return IsFixed(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !IsFixed(t.Field(i).Type) {
				return false
			}
		}
		return true
	}
	return false
}
