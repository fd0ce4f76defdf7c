package mgr

import (
	"encoding/binary"
	"math"
)

// Numeric classes of an atomic operation's operand, with its width in
// bytes: the client's encoding of a fixed-size number is its memory, little
// endian.
const (
	ClassInt   = 'i'
	ClassUint  = 'u'
	ClassFloat = 'f'
	ClassBytes = 's' // strings and byte slices: only "append" and "set"
)

// apply computes op(cur, operand) for values of the class and width kind
// names (kind: class, width). A missing current value (cur nil) counts as
// zero, or empty.
func apply(op string, kind, cur, operand []byte) ([]byte, error) {
	if len(kind) != 2 {
		return nil, bad("numeric kind of %d bytes", len(kind))
	}
	class, width := kind[0], int(kind[1])
	if op == "set" {
		return clone(operand), nil
	}
	if class == ClassBytes {
		if op != "append" {
			return nil, bad("operation %q on a string", op)
		}
		return append(clone(cur), operand...), nil
	}
	if width != 1 && width != 2 && width != 4 && width != 8 || class == ClassFloat && width < 4 {
		return nil, bad("numbers of %d bytes", width)
	}
	if len(operand) != width || cur != nil && len(cur) != width {
		return nil, bad("%d-byte operand for %d-byte numbers (the value stored is of another type?)", len(operand), width)
	}
	if cur == nil {
		cur = make([]byte, width)
	}
	switch class {
	case ClassFloat:
		return floatOp(op, width, cur, operand)
	case ClassInt, ClassUint:
		return intOp(op, class == ClassInt, width, cur, operand)
	}
	return nil, bad("numeric class %q", class)
}

func floatOp(op string, width int, a, b []byte) ([]byte, error) {
	get := func(p []byte) float64 {
		if width == 4 {
			return float64(math.Float32frombits(binary.LittleEndian.Uint32(p)))
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(p))
	}
	x, y := get(a), get(b)
	var r float64
	switch op {
	case "add":
		r = x + y
	case "sub":
		r = x - y
	case "mul":
		r = x * y
	case "min":
		r = min(x, y)
	case "max":
		r = max(x, y)
	default:
		return nil, bad("operation %q on a number", op)
	}
	if width == 4 {
		return binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(r))), nil
	}
	return binary.LittleEndian.AppendUint64(nil, math.Float64bits(r)), nil
}

func intOp(op string, signed bool, width int, a, b []byte) ([]byte, error) {
	get := func(p []byte) uint64 {
		var buf [8]byte
		copy(buf[:], p)
		v := binary.LittleEndian.Uint64(buf[:])
		if signed && width < 8 && p[width-1]&0x80 != 0 {
			v |= ^uint64(0) << (8 * width) // sign-extend
		}
		return v
	}
	x, y := get(a), get(b)
	less := func(p, q uint64) bool {
		if signed {
			return int64(p) < int64(q)
		}
		return p < q
	}
	var r uint64
	switch op {
	case "add":
		r = x + y
	case "sub":
		r = x - y
	case "mul":
		r = x * y
	case "min":
		r = x
		if less(y, x) {
			r = y
		}
	case "max":
		r = x
		if less(x, y) {
			r = y
		}
	default:
		return nil, bad("operation %q on a number", op)
	}
	return binary.LittleEndian.AppendUint64(nil, r)[:width], nil
}
