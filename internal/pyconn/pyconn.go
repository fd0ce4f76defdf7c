// Package pyconn is CPython's multiprocessing.connection wire: its framing
// and a pickle of plain data.
//
// STUB: a minimal stand-in written on the conn branch so that
// mproc/connection's Python mode builds and runs; the pyconn branch's
// package, with the same API, replaces it.
package pyconn

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"

	ogorek "github.com/kisielk/og-rek"

	"mproc/internal/wire"
)

// Tuple is Python's tuple.
type Tuple []any

// WriteMessage writes p in CPython's framing: a 4-byte big-endian signed
// length, or -1 and an 8-byte length for more than 2 GiB - 1.
func WriteMessage(w io.Writer, p []byte) error {
	var hdr []byte
	if len(p) > math.MaxInt32 {
		hdr = binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(nil, math.MaxUint32), uint64(len(p)))
	} else {
		hdr = binary.BigEndian.AppendUint32(nil, uint32(len(p)))
	}
	_, err := w.Write(append(hdr, p...))
	return err
}

// ReadMessage reads one message of at most max bytes.
func ReadMessage(r io.Reader, max int) ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := int64(int32(binary.BigEndian.Uint32(h[:])))
	if n == -1 {
		var h8 [8]byte
		if _, err := io.ReadFull(r, h8[:]); err != nil {
			return nil, unexpected(err)
		}
		u := binary.BigEndian.Uint64(h8[:])
		if u > math.MaxInt64 {
			return nil, fmt.Errorf("%w: a %d-byte message", wire.ErrTooLarge, u)
		}
		n = int64(u)
	} else if n < 0 {
		return nil, fmt.Errorf("%w: message length %d", wire.ErrCorrupt, n)
	}
	if n > int64(max) {
		return nil, fmt.Errorf("%w: a %d-byte message, at most %d", wire.ErrTooLarge, n, max)
	}
	var buf bytes.Buffer
	if _, err := io.CopyN(&buf, r, n); err != nil {
		return nil, unexpected(err)
	}
	return buf.Bytes(), nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Marshal pickles plain data.
func Marshal(v any) ([]byte, error) {
	p, err := toPickle(reflect.ValueOf(&v).Elem())
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := ogorek.NewEncoderWithConfig(&buf, &ogorek.EncoderConfig{Protocol: 3, StrictUnicode: true}).Encode(p); err != nil {
		return nil, fmt.Errorf("%w: %v", wire.ErrUnencodable, err)
	}
	return buf.Bytes(), nil
}

func toPickle(v reflect.Value) (any, error) {
	switch v.Kind() {
	case reflect.Invalid:
		return ogorek.None{}, nil
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return ogorek.None{}, nil
		}
		if b, ok := v.Interface().(*big.Int); ok {
			return b, nil
		}
		if v.Kind() == reflect.Pointer {
			break
		}
		return toPickle(v.Elem())
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64, reflect.String:
		return v.Interface(), nil
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return ogorek.Bytes(v.Bytes()), nil
		}
		out := make([]any, v.Len())
		for i := range out {
			e, err := toPickle(v.Index(i))
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		if v.Type() == reflect.TypeFor[Tuple]() {
			return ogorek.Tuple(out), nil
		}
		return out, nil
	case reflect.Map:
		out := make(map[any]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			k, err := toPickle(it.Key())
			if err != nil {
				return nil, err
			}
			e, err := toPickle(it.Value())
			if err != nil {
				return nil, err
			}
			out[k] = e
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %s is not plain data", wire.ErrUnencodable, v.Type())
}

// Unmarshal unpickles plain data into the value v points to; it never
// executes anything.
func Unmarshal(b []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("pyconn: Unmarshal needs a non-nil pointer, not %T", v)
	}
	d := ogorek.NewDecoderWithConfig(bytes.NewReader(b), &ogorek.DecoderConfig{StrictUnicode: true})
	p, err := d.Decode()
	if err != nil {
		return fmt.Errorf("%w: pickle: %v", wire.ErrCorrupt, err)
	}
	g, err := fromPickle(p)
	if err != nil {
		return err
	}
	dst := rv.Elem()
	if g == nil {
		dst.SetZero()
		return nil
	}
	gv := reflect.ValueOf(g)
	switch {
	case gv.Type().AssignableTo(dst.Type()):
		dst.Set(gv)
	case gv.Kind() == reflect.Int64 && dst.CanInt():
		if dst.OverflowInt(gv.Int()) {
			return fmt.Errorf("%w: %d overflows %s", wire.ErrCorrupt, gv.Int(), dst.Type())
		}
		dst.SetInt(gv.Int())
	case gv.Type().ConvertibleTo(dst.Type()) && gv.Kind() == dst.Kind():
		dst.Set(gv.Convert(dst.Type()))
	default:
		return fmt.Errorf("%w: a %T into %s", wire.ErrCorrupt, g, dst.Type())
	}
	return nil
}

func fromPickle(p any) (any, error) {
	switch x := p.(type) {
	case ogorek.None:
		return nil, nil
	case bool, int64, float64, string:
		return x, nil
	case *big.Int:
		if x.IsInt64() {
			return x.Int64(), nil
		}
		return x, nil
	case ogorek.Bytes:
		return []byte(x), nil
	case ogorek.Tuple:
		out, err := fromList(x)
		return Tuple(out), err
	case []any:
		return fromList(x)
	case map[any]any:
		out := make(map[any]any, len(x))
		for k, e := range x {
			g, err := fromPickle(e)
			if err != nil {
				return nil, err
			}
			gk, err := fromPickle(k)
			if err != nil {
				return nil, err
			}
			if gk != nil && !reflect.TypeOf(gk).Comparable() {
				return nil, fmt.Errorf("%w: a dict key of type %T", wire.ErrCorrupt, gk)
			}
			out[gk] = g
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %T is not plain data", wire.ErrCorrupt, p)
}

func fromList(x []any) ([]any, error) {
	out := make([]any, len(x))
	for i, e := range x {
		g, err := fromPickle(e)
		if err != nil {
			return nil, err
		}
		out[i] = g
	}
	return out, nil
}
