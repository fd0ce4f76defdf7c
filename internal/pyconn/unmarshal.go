package pyconn

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"reflect"

	ogórek "github.com/kisielk/og-rek"

	"mproc/internal/wire"
)

// Unmarshal decodes the pickle b into what v points to. It builds values
// only; nothing in the pickle is executed, imported or looked up.
//
// Into *any (or an any inside a typed target) a Python None gives nil, bool
// bool, int int64 (*big.Int beyond int64), float float64, str string, bytes
// and bytearray []byte, list []any, tuple Tuple, and dict map[any]any,
// always, even when every key is a str: one shape whatever the content.
// Dict keys must be None, bool, int (within int64), float or str there;
// decode into a typed map for others.
//
// Typed targets convert: ints into every int, uint and float kind (range
// and exactness checked) and *big.Int; floats into float kinds; str into
// string; bytes and bytearray into []byte; lists and tuples into slices,
// arrays of their length, Tuple and []any; dicts into maps whose key and
// value types fit; None into pointers, slices, maps and interfaces (nil).
// Pointers are allocated. Structs are not supported. A value that does not
// fit gives a *TypeError (errors.Is wire.ErrUnencodable) naming where.
//
// A pickle holding anything but plain data (class instances, functions,
// classes, sets, complex numbers, persistent ids...) is refused with an
// error wrapping wire.ErrUnencodable, as are a list shared by two places of
// the data (or containing itself, which og-rek cannot decode faithfully)
// and a dict containing itself. Malformed pickles give errors wrapping
// wire.ErrCorrupt, and limits (nesting 1000 deep, CPython's 4300-digit
// ints, repeated references adding up to far more than the pickle's size)
// errors wrapping wire.ErrTooLarge or wire.ErrUnencodable. On error v is
// left as it was.
func Unmarshal(b []byte, v any) error {
	dst := reflect.ValueOf(v)
	if dst.Kind() != reflect.Pointer || dst.IsNil() {
		return fmt.Errorf("pyconn: Unmarshal needs a non-nil pointer, not %T", v)
	}
	o, err := decode(b)
	if err != nil {
		return err
	}
	tmp := reflect.New(dst.Type().Elem()).Elem()
	c := converter{seen: map[ident]*reflect.Value{}}
	if err := c.into(o, tmp, 0); err != nil {
		return err
	}
	dst.Elem().Set(tmp)
	return nil
}

// decode scans b and has og-rek build its values.
func decode(b []byte) (o any, err error) {
	if err := scan(b); err != nil {
		return nil, err
	}
	defer func() {
		// og-rek is fuzzed upstream, not here: a panic in it is one more way
		// for the pickle to be bad, not a reason to crash the receiver.
		if r := recover(); r != nil {
			o, err = nil, corrupt("og-rek panicked: %v", r)
		}
	}()
	dec := ogórek.NewDecoderWithConfig(bytes.NewReader(b), &ogórek.DecoderConfig{StrictUnicode: true})
	if o, err = dec.Decode(); err != nil {
		// og-rek's messages may quote the input, which can be long.
		msg := err.Error()
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		return nil, corrupt("og-rek: %s", msg)
	}
	return o, nil
}

// ident is a list, tuple or dict of og-rek's output converted to a type:
// the memo lets one tuple or dict appear in many places, which are
// converted once and shared (as they are in Python), so that a pickle of
// references to references cannot make an exponentially large value.
type ident struct {
	p uintptr
	n int
	t reflect.Type
}

type converter struct {
	seen map[ident]*reflect.Value // nil while being converted
}

var (
	listType  = reflect.TypeFor[[]any]()
	tupleType = reflect.TypeFor[Tuple]()
	dictType  = reflect.TypeFor[map[any]any]()
	bytesType = reflect.TypeFor[[]byte]()
)

// into converts o, a value of og-rek's, into dst, a settable Value.
func (c *converter) into(o any, dst reflect.Value, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: pyconn: the data nests deeper than %d", wire.ErrUnencodable, maxDepth)
	}
	o, err := plain(o)
	if err != nil {
		return err
	}
	t := dst.Type()
	switch {
	case t.Kind() == reflect.Interface:
		return c.intoInterface(o, dst, depth)
	case t == bigIntType:
		return intoBig(o, dst)
	case t.Kind() == reflect.Pointer:
		if _, ok := o.(ogórek.None); ok {
			return nil // dst is a fresh zero value: nil
		}
		p := reflect.New(t.Elem())
		dst.Set(p)
		return c.into(o, p.Elem(), depth)
	}
	switch o := o.(type) {
	case ogórek.None:
		if k := t.Kind(); k == reflect.Slice || k == reflect.Map {
			return nil
		}
	case bool:
		if t.Kind() == reflect.Bool {
			dst.SetBool(o)
			return nil
		}
	case int64:
		return intoNumber(o, big.NewInt(o), dst)
	case *big.Int:
		return intoNumber(o, o, dst)
	case float64:
		if k := t.Kind(); k == reflect.Float32 || k == reflect.Float64 {
			if dst.OverflowFloat(o) {
				return mismatch(o, t, "out of range")
			}
			dst.SetFloat(o)
			return nil
		}
	case string:
		if t.Kind() == reflect.String {
			dst.SetString(o)
			return nil
		}
	case ogórek.Bytes:
		return intoBytes(o, string(o), dst)
	case []byte:
		return intoBytes(o, string(o), dst)
	case []any:
		return c.intoSeq(o, o, dst, depth)
	case ogórek.Tuple:
		return c.intoSeq(o, o, dst, depth)
	case map[any]any:
		return c.intoMap(o, dst, depth)
	}
	return mismatch(o, t, "")
}

// plain refuses what is not plain data and settles og-rek's forms of it.
func plain(o any) (any, error) {
	switch o := o.(type) {
	case *big.Int:
		if o.IsInt64() {
			return o.Int64(), nil
		}
	case ogórek.Call:
		// CPython writes empty bytes and bytearrays as calls with no
		// arguments in protocols 2 to 4; og-rek leaves those symbolic.
		if m := o.Callable.Module; len(o.Args) == 0 && (m == "builtins" || m == "__builtin__") {
			switch o.Callable.Name {
			case "bytes":
				return ogórek.Bytes(""), nil
			case "bytearray":
				return []byte{}, nil
			}
		}
		return nil, fmt.Errorf("%w: pyconn: the pickle calls %s.%s, not plain data", wire.ErrUnencodable, o.Callable.Module, o.Callable.Name)
	case ogórek.Class:
		return nil, fmt.Errorf("%w: pyconn: the pickle holds %s.%s (a class or function), not plain data", wire.ErrUnencodable, o.Module, o.Name)
	case ogórek.None, bool, int64, float64, string, ogórek.Bytes, []byte, []any, ogórek.Tuple, map[any]any:
	default:
		return nil, fmt.Errorf("%w: pyconn: the pickle holds a %T, not plain data", wire.ErrUnencodable, o)
	}
	return o, nil
}

// intoInterface gives an empty interface o's natural Go value.
func (c *converter) intoInterface(o any, dst reflect.Value, depth int) error {
	if dst.NumMethod() != 0 {
		return mismatch(o, dst.Type(), "only empty interfaces are filled")
	}
	var t reflect.Type
	switch o := o.(type) {
	case ogórek.None:
		return nil
	case ogórek.Bytes, []byte:
		t = bytesType
	case []any:
		t = listType
	case ogórek.Tuple:
		t = tupleType
	case map[any]any:
		t = dictType
	default:
		dst.Set(reflect.ValueOf(o))
		return nil
	}
	v := reflect.New(t).Elem()
	if err := c.into(o, v, depth); err != nil {
		return err
	}
	dst.Set(v)
	return nil
}

func intoBig(o any, dst reflect.Value) error {
	switch o := o.(type) {
	case ogórek.None:
		return nil
	case int64:
		dst.Set(reflect.ValueOf(big.NewInt(o)))
		return nil
	case *big.Int:
		dst.Set(reflect.ValueOf(new(big.Int).Set(o)))
		return nil
	}
	return mismatch(o, dst.Type(), "")
}

// intoNumber puts a Python int (o, whose value is n) into an int, uint or
// float kind, checking the range and, for floats, exactness.
func intoNumber(o any, n *big.Int, dst reflect.Value) error {
	t := dst.Type()
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if !n.IsInt64() || dst.OverflowInt(n.Int64()) {
			return mismatch(o, t, "out of range")
		}
		dst.SetInt(n.Int64())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if !n.IsUint64() || dst.OverflowUint(n.Uint64()) {
			return mismatch(o, t, "out of range")
		}
		dst.SetUint(n.Uint64())
	case reflect.Float32, reflect.Float64:
		f := new(big.Float).SetInt(n)
		var v float64
		var acc big.Accuracy
		if t.Kind() == reflect.Float32 {
			f32, a := f.Float32()
			v, acc = float64(f32), a
		} else {
			v, acc = f.Float64()
		}
		if acc != big.Exact {
			return mismatch(o, t, "not exactly representable")
		}
		dst.SetFloat(v)
	default:
		return mismatch(o, t, "")
	}
	return nil
}

func intoBytes(o any, b string, dst reflect.Value) error {
	t := dst.Type()
	switch {
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		dst.SetBytes([]byte(b))
	case t.Kind() == reflect.Array && t.Elem().Kind() == reflect.Uint8 && t.Len() == len(b):
		reflect.Copy(dst, reflect.ValueOf(b))
	default:
		return mismatch(o, t, "")
	}
	return nil
}

// intoSeq converts a list or tuple (items) into a slice or an array.
func (c *converter) intoSeq(o any, items []any, dst reflect.Value, depth int) error {
	t := dst.Type()
	switch {
	case t.Kind() == reflect.Slice:
		return c.shared(o, len(items), dst, func() (reflect.Value, error) {
			s := reflect.MakeSlice(t, len(items), len(items))
			return s, c.fill(items, s, depth)
		})
	case t.Kind() == reflect.Array && t.Len() == len(items):
		return c.fill(items, dst, depth)
	case t.Kind() == reflect.Array:
		return mismatch(o, t, fmt.Sprintf("%d items for %d places", len(items), t.Len()))
	}
	return mismatch(o, t, "")
}

func (c *converter) fill(items []any, s reflect.Value, depth int) error {
	for i, it := range items {
		if err := c.into(it, s.Index(i), depth+1); err != nil {
			return at(err, fmt.Sprintf("[%d]", i))
		}
	}
	return nil
}

func (c *converter) intoMap(m map[any]any, dst reflect.Value, depth int) error {
	t := dst.Type()
	if t.Kind() != reflect.Map {
		return mismatch(m, t, "")
	}
	return c.shared(m, len(m), dst, func() (reflect.Value, error) {
		out := reflect.MakeMapWithSize(t, len(m))
		for k, v := range m {
			kv := reflect.New(t.Key()).Elem()
			if err := c.into(k, kv, depth+1); err != nil {
				return out, at(err, "[key]")
			}
			if err := hashable(k, kv); err != nil {
				return out, err
			}
			vv := reflect.New(t.Elem()).Elem()
			if err := c.into(v, vv, depth+1); err != nil {
				return out, at(err, fmt.Sprintf("[%v]", k))
			}
			out.SetMapIndex(kv, vv)
		}
		return out, nil
	})
}

// hashable refuses keys that an interface-keyed map cannot use: bytes
// would panic, and a *big.Int would be keyed by its address.
func hashable(k any, kv reflect.Value) error {
	if kv.Kind() != reflect.Interface || kv.IsNil() {
		return nil
	}
	if e := kv.Elem(); !e.Type().Comparable() || e.Type() == bigIntType {
		return mismatch(k, kv.Type(), "not usable as a key of a Go map with interface keys; decode into a typed map")
	}
	return nil
}

// shared converts a container once per target type, however many places
// of the data refer to it, and refuses one that contains itself.
func (c *converter) shared(o any, n int, dst reflect.Value, build func() (reflect.Value, error)) error {
	if n == 0 {
		v, err := build()
		dst.Set(v)
		return err
	}
	id := ident{p: reflect.ValueOf(o).Pointer(), n: n, t: dst.Type()}
	if v, ok := c.seen[id]; ok {
		if v == nil {
			return fmt.Errorf("%w: pyconn: the data contains itself", wire.ErrUnencodable)
		}
		dst.Set(*v)
		return nil
	}
	c.seen[id] = nil
	v, err := build()
	if err != nil {
		return err
	}
	c.seen[id] = &v
	dst.Set(v)
	return nil
}

func mismatch(o any, t reflect.Type, reason string) error {
	return &TypeError{Python: pyName(o), Type: t, Reason: reason}
}

// at prefixes the path of a TypeError with where it happened.
func at(err error, where string) error {
	var te *TypeError
	if errors.As(err, &te) {
		te.Path = where + te.Path
	}
	return err
}

// pyName names a value of og-rek's as Python would, with small scalars.
func pyName(o any) string {
	switch o := o.(type) {
	case ogórek.None:
		return "None"
	case bool:
		return fmt.Sprintf("bool %v", o)
	case int64, *big.Int:
		s := fmt.Sprint(o)
		if len(s) > 24 {
			s = s[:10] + "..." + s[len(s)-10:]
		}
		return "int " + s
	case float64:
		return fmt.Sprintf("float %v", o)
	case string:
		return "str"
	case ogórek.Bytes:
		return "bytes"
	case []byte:
		return "bytearray"
	case []any:
		return "list"
	case ogórek.Tuple:
		return "tuple"
	case map[any]any:
		return "dict"
	}
	return fmt.Sprintf("%T", o)
}
