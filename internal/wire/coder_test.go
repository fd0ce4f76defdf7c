package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func (k coderKind) String() string {
	switch k {
	case viaCodec:
		return "viaCodec"
	case rawBytes:
		return "rawBytes"
	case rawString:
		return "rawString"
	case fixedValue:
		return "fixedValue"
	case fixedSlice:
		return "fixedSlice"
	case empty:
		return "empty"
	}
	return fmt.Sprintf("coderKind(%d)", uint8(k))
}

// roundTrip checks that T takes the expected path and that v survives
// Encode and Decode, compared with eq (reflect.DeepEqual if nil). It returns
// the encoding.
func roundTrip[T any](t *testing.T, kind coderKind, v T, eq func(a, b T) bool) []byte {
	t.Helper()
	c := NewCoder[T](nil)
	if c.kind != kind {
		t.Fatalf("NewCoder[%v]: kind %v, want %v", c.Type(), c.kind, kind)
	}
	if c.Type() != reflect.TypeFor[T]() {
		t.Fatalf("Type() = %v, want %v", c.Type(), reflect.TypeFor[T]())
	}
	if err := c.Check(v); err != nil {
		t.Fatalf("Check(%#v): %v", v, err)
	}
	b, err := c.Encode(v)
	if err != nil {
		t.Fatalf("Encode(%#v): %v", v, err)
	}
	enc := bytes.Clone(b)
	got, err := c.Decode(bytes.Clone(b))
	if err != nil {
		t.Fatalf("Decode(Encode(%#v)) = % x: %v", v, b, err)
	}
	if eq == nil {
		eq = func(a, b T) bool { return reflect.DeepEqual(a, b) }
	}
	if !eq(v, got) {
		t.Fatalf("round trip of %v changed it:\n got %#v\nwant %#v", c.Type(), got, v)
	}
	return enc
}

type numbers struct {
	A   int8
	B   int16
	C   int32
	D   int64
	U   uint64
	F   float32
	G   float64
	Z   complex128
	Arr [3]uint16
	P   uintptr
}

type withBool struct {
	N  int
	OK bool
	M  int
}

type (
	myString string
	myBytes  []byte
	myByte   uint8
)

type leaf struct {
	Label string
	Vals  []float64
}

type inner struct {
	Tags  []string
	M     map[string]int
	P     *int
	Leaf  *leaf
	Bytes []byte
}

type outer struct {
	Name   string
	In     inner
	Ins    []inner
	ByKey  map[string]*leaf
	Nested map[string][]map[string]int
	Opt    *inner
	When   time.Time
	Flag   bool
	Any    any
}

func TestCoderFixedValues(t *testing.T) {
	t.Parallel()
	t.Run("int", func(t *testing.T) {
		t.Parallel()
		for _, v := range []int{0, 1, -1, math.MaxInt, math.MinInt} {
			b := roundTrip(t, fixedValue, v, nil)
			if want := binary.NativeEndian.AppendUint64(nil, uint64(v)); !bytes.Equal(b, want) {
				t.Fatalf("Encode(%d) = % x, want the value's memory % x", v, b, want)
			}
		}
	})
	t.Run("float64", func(t *testing.T) {
		t.Parallel()
		for _, v := range []float64{0, math.Copysign(0, -1), 1.5, math.Inf(-1), math.MaxFloat64, math.SmallestNonzeroFloat64, math.NaN(), math.Float64frombits(0x7ff8_dead_beef_0001)} {
			roundTrip(t, fixedValue, v, func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) })
		}
	})
	t.Run("struct of numbers", func(t *testing.T) {
		t.Parallel()
		v := numbers{A: -8, B: 1600, C: -32, D: math.MinInt64, U: math.MaxUint64, F: 3.25, G: -1e300, Z: complex(1, -2), Arr: [3]uint16{1, 2, 65535}, P: 0xdead}
		b := roundTrip(t, fixedValue, v, nil)
		if len(b) != int(reflect.TypeFor[numbers]().Size()) {
			t.Fatalf("encoded %d bytes, want the size of the struct", len(b))
		}
		roundTrip(t, fixedValue, numbers{}, nil)
	})
	t.Run("array", func(t *testing.T) {
		t.Parallel()
		b := roundTrip(t, fixedValue, [4]int32{1, -2, math.MaxInt32, math.MinInt32}, nil)
		if len(b) != 16 {
			t.Fatalf("[4]int32 encoded in %d bytes, want 16", len(b))
		}
	})
	t.Run("duration", func(t *testing.T) {
		t.Parallel()
		roundTrip(t, fixedValue, 90*time.Minute, nil)
	})
	t.Run("unexported fields are memory too", func(t *testing.T) {
		t.Parallel()
		type priv struct{ a, b int32 }
		roundTrip(t, fixedValue, priv{1, -1}, nil)
	})
}

func TestCoderFixedSlices(t *testing.T) {
	t.Parallel()
	t.Run("float64", func(t *testing.T) {
		t.Parallel()
		v := []float64{1, -2.5, math.Inf(1), math.NaN(), math.Copysign(0, -1)}
		b := roundTrip(t, fixedSlice, v, func(a, b []float64) bool {
			if len(a) != len(b) {
				return false
			}
			for i := range a {
				if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
					return false
				}
			}
			return true
		})
		if len(b) != 8*len(v) {
			t.Fatalf("%d floats encoded in %d bytes", len(v), len(b))
		}
	})
	t.Run("int", func(t *testing.T) {
		t.Parallel()
		v := make([]int, 1000)
		for i := range v {
			v[i] = i*i - 500
		}
		roundTrip(t, fixedSlice, v, nil)
		roundTrip(t, fixedSlice, []int{42}, nil)
	})
	t.Run("structs", func(t *testing.T) {
		t.Parallel()
		roundTrip(t, fixedSlice, []numbers{{A: 1}, {Z: 3i, Arr: [3]uint16{4, 5, 6}}}, nil)
		roundTrip(t, fixedSlice, [][3]int8{{1, 2, 3}, {-1, -2, -3}}, nil)
	})
	t.Run("nil and empty", func(t *testing.T) {
		t.Parallel()
		nilAndEmpty(t, NewCoder[[]int](nil))
		nilAndEmpty(t, NewCoder[[]int8](nil))
	})
	t.Run("decode copies", func(t *testing.T) {
		t.Parallel()
		c := NewCoder[[]int32](nil)
		b := []byte{1, 0, 0, 0, 2, 0, 0, 0}
		v, err := c.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		b[0] = 99
		if v[0] != 1 {
			t.Fatalf("decoded slice aliases its input: %v", v)
		}
	})
	t.Run("named slice type", func(t *testing.T) {
		t.Parallel()
		type samples []uint16
		roundTrip(t, fixedSlice, samples{1, 2, 3}, nil)
	})
}

func TestCoderRaw(t *testing.T) {
	t.Parallel()
	t.Run("bytes", func(t *testing.T) {
		t.Parallel()
		v := []byte{0, 1, 2, 0xFF}
		if b := roundTrip(t, rawBytes, v, nil); !bytes.Equal(b, v) {
			t.Fatalf("Encode(% x) = % x, want the bytes themselves", v, b)
		}
		roundTrip(t, rawBytes, []byte{}, func(a, b []byte) bool { return len(b) == 0 })
		roundTrip(t, rawBytes, []byte(nil), func(a, b []byte) bool { return len(b) == 0 })
	})
	t.Run("string", func(t *testing.T) {
		t.Parallel()
		for _, v := range []string{"", "héllo, 世界", "\x00\xff not utf-8 \xc3", strings.Repeat("z", 1<<16)} {
			if b := roundTrip(t, rawString, v, nil); string(b) != v {
				t.Fatalf("Encode(%q) = %q, want the string's bytes", v, b)
			}
		}
	})
	t.Run("named string", func(t *testing.T) {
		t.Parallel()
		roundTrip(t, rawString, myString("named"), nil)
		roundTrip(t, rawString, myString(""), nil)
	})
	t.Run("named bytes", func(t *testing.T) {
		t.Parallel()
		roundTrip(t, rawBytes, myBytes("named"), nil)
		roundTrip(t, rawBytes, []myByte{1, 2, 3}, nil)
	})
}

func TestCoderEmpty(t *testing.T) {
	t.Parallel()
	if b := roundTrip(t, empty, struct{}{}, nil); len(b) != 0 {
		t.Fatalf("struct{} encoded as % x", b)
	}
	roundTrip(t, empty, [0]int{}, nil)
	type none struct{ _ [0]func() }
	roundTrip(t, empty, none{}, nil)
	if _, err := NewCoder[struct{}](nil).Decode([]byte{0}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Decode of 1 byte into struct{}: %v, want ErrCorrupt", err)
	}
}

func TestCoderViaCodec(t *testing.T) {
	t.Parallel()
	t.Run("struct with bool", func(t *testing.T) {
		t.Parallel()
		if IsFixed(reflect.TypeFor[withBool]()) {
			t.Fatal("a struct holding a bool is treated as fixed")
		}
		roundTrip(t, viaCodec, withBool{N: 1, OK: true, M: -1}, nil)
		roundTrip(t, viaCodec, withBool{}, nil)
		roundTrip(t, viaCodec, []bool{true, false, true}, nil)
		roundTrip(t, viaCodec, [3]bool{false, true, false}, nil)
	})
	t.Run("bool bytes are not trusted", func(t *testing.T) {
		t.Parallel()
		// In memory withBool{OK: 2} would be an invalid bool; on the wire it
		// must be CBOR, so a raw memory image is rejected, not copied.
		raw := make([]byte, reflect.TypeFor[withBool]().Size())
		raw[8] = 2
		if v, err := NewCoder[withBool](nil).Decode(raw); err == nil {
			t.Fatalf("Decode of a memory image = %+v, want an error", v)
		}
	})
	t.Run("map[string]any", func(t *testing.T) {
		t.Parallel()
		v := map[string]any{
			"pos":   uint64(1),
			"neg":   int64(-2),
			"float": 1.5,
			"str":   "x",
			"list":  []any{uint64(1), "two", nil},
			"map":   map[string]any{"k": true},
			"bytes": []byte{1, 2},
			"nil":   nil,
		}
		roundTrip(t, viaCodec, v, nil)
		roundTrip(t, viaCodec, map[string]any{}, nil)
		roundTrip(t, viaCodec, map[string]any(nil), nil)
	})
	t.Run("any holding a map", func(t *testing.T) {
		t.Parallel()
		var v any = map[string]any{"a": uint64(1), "b": []any{"c"}, "d": map[string]any{"e": false}}
		roundTrip(t, viaCodec, v, nil)
		roundTrip(t, viaCodec, any(nil), nil)
		roundTrip(t, viaCodec, any("str"), nil)
	})
	t.Run("nested", func(t *testing.T) {
		t.Parallel()
		n := 7
		v := outer{
			Name: "outer",
			In: inner{
				Tags:  []string{"a", "b"},
				M:     map[string]int{"one": 1, "minus": -1},
				P:     &n,
				Leaf:  &leaf{Label: "leaf", Vals: []float64{1.5, -2}},
				Bytes: []byte("raw"),
			},
			Ins:    []inner{{Tags: []string{"x"}}, {M: map[string]int{"y": 2}}},
			ByKey:  map[string]*leaf{"k": {Label: "v"}, "nil": nil},
			Nested: map[string][]map[string]int{"deep": {{"a": 1}, {"b": 2}}},
			When:   time.Date(2024, 2, 29, 23, 59, 59, 123456789, time.UTC),
			Flag:   true,
			Any:    map[string]any{"x": []any{uint64(3)}},
		}
		roundTrip(t, viaCodec, v, nil)
		roundTrip(t, viaCodec, &v, nil)
		roundTrip(t, viaCodec, []outer{v, {}}, nil)
		roundTrip(t, viaCodec, (*outer)(nil), nil)
	})
	t.Run("pointer to fixed", func(t *testing.T) {
		t.Parallel()
		roundTrip(t, viaCodec, &[4]int32{1, 2, 3, 4}, nil)
		x := -5
		roundTrip(t, viaCodec, &x, nil)
	})
	t.Run("complex outside the fixed path", func(t *testing.T) {
		t.Parallel()
		// CBOR has no complex numbers: the codec refuses them, and the
		// error must say so rather than the value arriving damaged.
		if _, err := NewCoder[*numbers](nil).Encode(&numbers{Z: 1i}); !errors.Is(err, ErrUnencodable) {
			t.Fatalf("Encode(*numbers): %v, want ErrUnencodable", err)
		}
		if _, err := NewCoder[any](nil).Encode(complex64(1)); !errors.Is(err, ErrUnencodable) {
			t.Fatalf("Encode(any(complex64)): %v, want ErrUnencodable", err)
		}
	})
	t.Run("time", func(t *testing.T) {
		t.Parallel()
		eq := func(a, b time.Time) bool { return a.Equal(b) }
		roundTrip(t, viaCodec, time.Now(), eq)
		roundTrip(t, viaCodec, time.Time{}, eq)
		roundTrip(t, viaCodec, time.Date(1969, 7, 20, 20, 17, 40, 1, time.FixedZone("X", -3*3600)), eq)
	})
	t.Run("zero-size elements", func(t *testing.T) {
		t.Parallel()
		// Not a fixed slice: the length could not be recovered from the bytes.
		roundTrip(t, viaCodec, make([]struct{}, 3), nil)
	})
	t.Run("binary marshaler", func(t *testing.T) {
		t.Parallel()
		roundTrip(t, viaCodec, binOnly{a: "x", b: "y"}, nil)
		roundTrip(t, viaCodec, []binOnly{{a: "1"}, {b: "2"}}, nil)
	})
	t.Run("text marshaler", func(t *testing.T) {
		t.Parallel()
		// CheckType accepts these despite unexported fields, so the codec
		// must carry them through MarshalText instead of dropping the fields.
		roundTrip(t, viaCodec, textOnly{s: "kept"}, nil)
		type rats struct {
			R *big.Rat
			T textOnly
		}
		v := rats{R: big.NewRat(-3, 7), T: textOnly{s: "t"}}
		roundTrip(t, viaCodec, v, func(a, b rats) bool { return b.R != nil && a.R.Cmp(b.R) == 0 && a.T == b.T })
		f := big.NewFloat(1.25)
		roundTrip(t, viaCodec, f, func(a, b *big.Float) bool { return b != nil && a.Cmp(b) == 0 })
		roundTrip(t, viaCodec, big.NewInt(-1<<62), func(a, b *big.Int) bool { return b != nil && a.Cmp(b) == 0 })
	})
}

// binOnly implements encoding.BinaryMarshaler; its fields are unexported.
type binOnly struct{ a, b string }

func (v binOnly) MarshalBinary() ([]byte, error) { return []byte(v.a + "\x00" + v.b), nil }

func (v *binOnly) UnmarshalBinary(b []byte) error {
	a, rest, ok := strings.Cut(string(b), "\x00")
	if !ok {
		return errors.New("binOnly: no separator")
	}
	v.a, v.b = a, rest
	return nil
}

// textOnly implements encoding.TextMarshaler; its field is unexported.
type textOnly struct{ s string }

func (v textOnly) MarshalText() ([]byte, error) { return []byte("<" + v.s + ">"), nil }

func (v *textOnly) UnmarshalText(b []byte) error {
	s, ok1 := strings.CutPrefix(string(b), "<")
	s, ok2 := strings.CutSuffix(s, ">")
	if !ok1 || !ok2 {
		return fmt.Errorf("textOnly: bad text %q", b)
	}
	v.s = s
	return nil
}

func TestCoderDecodeCorrupt(t *testing.T) {
	t.Parallel()
	expectCorrupt := func(t *testing.T, name string, err error) {
		t.Helper()
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
	t.Run("fixed value sizes", func(t *testing.T) {
		t.Parallel()
		ci := NewCoder[int64](nil)
		for _, n := range []int{0, 1, 7, 9, 16} {
			_, err := ci.Decode(make([]byte, n))
			expectCorrupt(t, fmt.Sprintf("int64 from %d bytes", n), err)
		}
		cs := NewCoder[numbers](nil)
		size := int(reflect.TypeFor[numbers]().Size())
		for _, n := range []int{0, size - 1, size + 1} {
			_, err := cs.Decode(make([]byte, n))
			expectCorrupt(t, fmt.Sprintf("numbers from %d bytes", n), err)
		}
		if _, err := cs.Decode(make([]byte, size)); err != nil {
			t.Errorf("numbers from %d bytes: %v", size, err)
		}
	})
	t.Run("fixed slice sizes", func(t *testing.T) {
		t.Parallel()
		c32 := NewCoder[[]int32](nil)
		for _, n := range []int{1, 3, 5, 7, 4097} {
			v, err := c32.Decode(make([]byte, n))
			expectCorrupt(t, fmt.Sprintf("[]int32 from %d bytes", n), err)
			if v != nil {
				t.Errorf("[]int32 from %d bytes returned %v with the error", n, v)
			}
		}
		cn := NewCoder[[]numbers](nil)
		size := int(reflect.TypeFor[numbers]().Size())
		_, err := cn.Decode(make([]byte, 2*size+1))
		expectCorrupt(t, "[]numbers", err)
		if v, err := cn.Decode(make([]byte, 3*size)); err != nil || len(v) != 3 {
			t.Errorf("[]numbers from %d bytes = %d elements, %v; want 3", 3*size, len(v), err)
		}
	})
	t.Run("cbor", func(t *testing.T) {
		t.Parallel()
		c := NewCoder[outer](nil)
		hostile := map[string][]byte{
			"empty":            {},
			"break byte":       {0xff},
			"truncated map":    {0xa2, 0x64, 'N', 'a', 'm', 'e'},
			"string, not map":  {0x63, 'a', 'b', 'c'},
			"huge array":       {0x9b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
			"huge byte string": {0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00},
			"huge map":         {0xbb, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
			"too deep":         append(append([]byte{0xa1, 0x63, 'A', 'n', 'y'}, bytes.Repeat([]byte{0x81}, MaxNesting+10)...), 0x00),
			"duplicate keys":   {0xa2, 0x64, 'N', 'a', 'm', 'e', 0x61, 'a', 0x64, 'N', 'a', 'm', 'e', 0x61, 'b'},
			"trailing bytes":   {0xa0, 0x00},
			"bad utf-8":        {0xa1, 0x64, 'N', 'a', 'm', 'e', 0x61, 0xff},
			"indefinite trunc": {0xbf, 0x64, 'N', 'a', 'm', 'e'},
			"wrong field type": {0xa1, 0x64, 'F', 'l', 'a', 'g', 0x01},
		}
		for name, b := range hostile {
			v, err := c.Decode(b)
			expectCorrupt(t, name, err)
			if errors.Is(err, ErrUnencodable) {
				t.Errorf("%s: decode error %v claims ErrUnencodable", name, err)
			}
			_ = v
		}
		ca := NewCoder[any](nil)
		for name, b := range hostile {
			if name == "wrong field type" || name == "string, not map" {
				continue // fine as an any
			}
			_, err := ca.Decode(b)
			expectCorrupt(t, "any: "+name, err)
		}
		// Non-string keys can't go into the default map type.
		_, err := ca.Decode([]byte{0xa1, 0x01, 0x02})
		expectCorrupt(t, "any: int key", err)
	})
}

func TestCoderRefusesUnencodable(t *testing.T) {
	t.Parallel()
	type withFunc struct {
		Name string
		F    func()
	}
	t.Run("static", func(t *testing.T) {
		t.Parallel()
		c := NewCoder[withFunc](nil)
		if err := c.Check(withFunc{}); !errors.Is(err, ErrUnencodable) {
			t.Fatalf("Check: %v, want ErrUnencodable", err)
		}
		if b, err := c.Encode(withFunc{Name: "x"}); !errors.Is(err, ErrUnencodable) || b != nil {
			t.Fatalf("Encode = % x, %v; want ErrUnencodable", b, err)
		}
	})
	t.Run("dynamic", func(t *testing.T) {
		t.Parallel()
		ca := NewCoder[any](nil)
		for _, v := range []any{func() {}, make(chan int), withFunc{}, []any{1, map[string]any{"f": func() {}}}} {
			if err := ca.Check(v); !errors.Is(err, ErrUnencodable) {
				t.Errorf("Check(%T): %v, want ErrUnencodable", v, err)
			}
			if _, err := ca.Encode(v); !errors.Is(err, ErrUnencodable) {
				t.Errorf("Encode(%T): %v, want ErrUnencodable", v, err)
			}
		}
		cm := NewCoder[map[string]any](nil)
		if _, err := cm.Encode(map[string]any{"ok": 1, "c": make(chan int)}); !errors.Is(err, ErrUnencodable) {
			t.Errorf("Encode of a map holding a chan: %v, want ErrUnencodable", err)
		}
	})
	t.Run("deeper than the value walk", func(t *testing.T) {
		t.Parallel()
		// Too deep to send at all: refused either way.
		var v any = func() {}
		for range MaxNesting + 10 {
			v = []any{v}
		}
		if _, err := NewCoder[any](nil).Encode(v); !errors.Is(err, ErrUnencodable) {
			t.Fatalf("Encode of a func nested %d deep: %v, want ErrUnencodable", MaxNesting+10, err)
		}
	})
}

func TestIsFixed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		t    reflect.Type
		want bool
	}{
		{reflect.TypeFor[int](), true},
		{reflect.TypeFor[uint8](), true},
		{reflect.TypeFor[uintptr](), true},
		{reflect.TypeFor[float32](), true},
		{reflect.TypeFor[complex128](), true},
		{reflect.TypeFor[time.Duration](), true},
		{reflect.TypeFor[[4]int32](), true},
		{reflect.TypeFor[[2][2]float64](), true},
		{reflect.TypeFor[numbers](), true},
		{reflect.TypeFor[struct{}](), true},
		{reflect.TypeFor[bool](), false},
		{reflect.TypeFor[[2]bool](), false},
		{reflect.TypeFor[withBool](), false},
		{reflect.TypeFor[string](), false},
		{reflect.TypeFor[[]int](), false},
		{reflect.TypeFor[*int](), false},
		{reflect.TypeFor[any](), false},
		{reflect.TypeFor[map[int]int](), false},
		{reflect.TypeFor[func()](), false},
		{reflect.TypeFor[chan int](), false},
		{reflect.TypeFor[struct {
			A int
			S string
		}](), false},
		{reflect.TypeFor[struct {
			A int
			N struct{ P *int }
		}](), false},
		{reflect.TypeFor[time.Time](), false},
	}
	for _, tt := range tests {
		if got := IsFixed(tt.t); got != tt.want {
			t.Errorf("IsFixed(%v) = %v, want %v", tt.t, got, tt.want)
		}
	}
}

func TestCoderConcurrent(t *testing.T) {
	t.Parallel()
	c := NewCoder[outer](nil)
	ci := NewCoder[[]int](nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				v := outer{Name: fmt.Sprint(g, i), Ins: []inner{{Tags: []string{"t"}}}, Any: map[string]any{"i": uint64(i)}}
				b, err := c.Encode(v)
				if err != nil {
					t.Error(err)
					return
				}
				got, err := c.Decode(b)
				if err != nil || !reflect.DeepEqual(got, v) {
					t.Errorf("goroutine %d: round trip = %+v, %v", g, got, err)
					return
				}
				s := []int{g, i}
				b, err = ci.Encode(s)
				if err != nil {
					t.Error(err)
					return
				}
				if gs, err := ci.Decode(bytes.Clone(b)); err != nil || !reflect.DeepEqual(gs, s) {
					t.Errorf("goroutine %d: []int round trip = %v, %v", g, gs, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// nilAndEmpty checks that a nil slice decodes as nil and an empty one as
// empty, not nil, and that slices of nothing but 0xFF bytes, which share
// their encoding's neighbourhood, come back whole.
func nilAndEmpty[E int | int8 | byte](t *testing.T, c *Coder[[]E]) {
	t.Helper()
	ff := E(0)
	ff--
	for _, v := range [][]E{nil, {}, {ff}, {ff, ff}, {ff, 0}, {0, ff}, {0}} {
		b, err := c.EncodeCopy(v)
		if err != nil {
			t.Fatalf("Encode(%#v): %v", v, err)
		}
		got, err := c.Decode(b)
		if err != nil || (got == nil) != (v == nil) || !slices.Equal(got, v) {
			t.Fatalf("%#v → % x → %#v, %v", v, b, got, err)
		}
	}
}

func TestCoderBytesNilAndEmpty(t *testing.T) {
	nilAndEmpty(t, NewCoder[[]byte](nil))
	c := NewCoder[[]byte](nil)
	if b, _ := c.Encode([]byte{1, 2, 3}); len(b) != 3 {
		t.Fatalf("ordinary bytes are not sent as themselves: % x", b)
	}
	got, err := c.DecodeCopy([]byte{0xFF})
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("DecodeCopy(ff) = %#v, %v; want an empty slice", got, err)
	}
}
