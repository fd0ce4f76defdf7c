package pyconn

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"unicode/utf8"

	ogórek "github.com/kisielk/og-rek"

	"mproc/internal/wire"
)

const (
	// protocol is what Marshal writes: CPython's default since 3.8 (and
	// multiprocessing's), read by every CPython 3.4+.
	protocol = 4
	// maxDepth bounds the nesting of containers, both ways. CPython's own
	// pickler stops near its recursion limit of 1000.
	maxDepth = 1000
	// maxIntDigits is CPython's default sys.int_max_str_digits: og-rek
	// writes a *big.Int in decimal, which Python refuses beyond it.
	maxIntDigits = 4300
)

var bigIntType = reflect.TypeFor[*big.Int]()

// Marshal pickles v, which must be plain data: nil, bool, any int or uint
// kind, *big.Int, float32/64, string (a Python str), []byte (bytes), Tuple
// (tuple), other slices and arrays (list), maps whose keys are nil, bool,
// numbers or strings (dict), and interfaces holding those. Anything else, a
// struct, pointer, func or chan, a cycle or a nesting deeper than 1000, is
// refused with an error wrapping wire.ErrUnencodable; so are a string that
// is not UTF-8 and an integer of
// more than 4300 decimal digits, which CPython would refuse to read.
func Marshal(v any) ([]byte, error) {
	o, err := toPickle(reflect.ValueOf(v), 0)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := ogórek.NewEncoderWithConfig(&buf, &ogórek.EncoderConfig{Protocol: protocol, StrictUnicode: true})
	if err := enc.Encode(o); err != nil {
		return nil, fmt.Errorf("%w: pickling %T: %w", wire.ErrUnencodable, v, err)
	}
	return buf.Bytes(), nil
}

// toPickle maps a Go value onto og-rek's model of Python values, refusing
// what is not plain data. It also stops cycles, which og-rek would follow
// until the stack overflows.
func toPickle(v reflect.Value, depth int) (any, error) {
	if depth > maxDepth {
		return nil, unencodable(v, "nests deeper than %d (or contains itself)", maxDepth)
	}
	if !v.IsValid() {
		return ogórek.None{}, nil
	}
	if v.Type() == bigIntType {
		return bigToPickle(v)
	}
	switch v.Kind() {
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := v.Uint(); u > math.MaxInt64 {
			return new(big.Int).SetUint64(u), nil
		}
		return int64(v.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return v.Float(), nil
	case reflect.String:
		if !utf8.ValidString(v.String()) {
			return nil, unencodable(v, "is not valid UTF-8, as a Python str must be (send bytes as []byte)")
		}
		return v.String(), nil
	case reflect.Interface:
		return toPickle(v.Elem(), depth)
	case reflect.Slice, reflect.Array:
		return seqToPickle(v, depth)
	case reflect.Map:
		return mapToPickle(v, depth)
	}
	return nil, unencodable(v, "is not plain data (a Python None, bool, int, float, str, bytes, list, tuple or dict)")
}

func bigToPickle(v reflect.Value) (any, error) {
	b := v.Interface().(*big.Int)
	if b == nil {
		return ogórek.None{}, nil
	}
	if b.IsInt64() {
		return b.Int64(), nil
	}
	// Below 14000 bits a number has at most 4215 digits: no need to print it.
	if b.BitLen() > 14000 && len(new(big.Int).Abs(b).String()) > maxIntDigits {
		return nil, unencodable(v, "has more than %d decimal digits, which CPython refuses to read", maxIntDigits)
	}
	return new(big.Int).Set(b), nil
}

func seqToPickle(v reflect.Value, depth int) (any, error) {
	if v.Type().Elem().Kind() == reflect.Uint8 {
		b := make([]byte, v.Len())
		reflect.Copy(reflect.ValueOf(b), v)
		return ogórek.Bytes(b), nil
	}
	items := make([]any, v.Len())
	for i := range items {
		o, err := toPickle(v.Index(i), depth+1)
		if err != nil {
			return nil, err
		}
		items[i] = o
	}
	if v.Type() == reflect.TypeFor[Tuple]() {
		return ogórek.Tuple(items), nil
	}
	return items, nil
}

func mapToPickle(v reflect.Value, depth int) (any, error) {
	m := make(map[any]any, v.Len())
	it := v.MapRange()
	for it.Next() {
		k, err := toPickle(it.Key(), depth+1)
		if err != nil {
			return nil, err
		}
		switch k := k.(type) {
		case float64:
			if math.IsNaN(k) {
				// og-rek looks each key up again to write its value, and
				// NaN is never found.
				return nil, unencodable(v, "has a NaN key, which pyconn cannot write")
			}
		case ogórek.None, bool, int64, *big.Int, string:
		default:
			return nil, unencodable(v, "has a key of type %v, which pyconn cannot write as a dict key", it.Key().Type())
		}
		val, err := toPickle(it.Value(), depth+1)
		if err != nil {
			return nil, err
		}
		m[k] = val
	}
	return m, nil
}

func unencodable(v reflect.Value, format string, args ...any) error {
	t := "nil"
	if v.IsValid() {
		t = v.Type().String()
	}
	return fmt.Errorf("%w: pyconn: %s %s", wire.ErrUnencodable, t, fmt.Sprintf(format, args...))
}
