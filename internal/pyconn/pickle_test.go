package pyconn

import (
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"mproc/internal/wire"
)

func bigOf(s string) *big.Int {
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return b
}

// Go -> pickle -> Go into *any gives each value's natural form.
func TestRoundTripAny(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want any }{
		{nil, nil},
		{true, true},
		{int8(-5), int64(-5)},
		{uint16(65535), int64(65535)},
		{int64(math.MinInt64), int64(math.MinInt64)},
		{uint64(math.MaxUint64), bigOf("18446744073709551615")},
		{bigOf("-123456789012345678901234567890"), bigOf("-123456789012345678901234567890")},
		{big.NewInt(42), int64(42)},
		{float32(1.5), 1.5},
		{math.Inf(-1), math.Inf(-1)},
		{"", ""},
		{"héllo\x00wörld", "héllo\x00wörld"},
		{[]byte{}, []byte{}},
		{[]byte{0, 255}, []byte{0, 255}},
		{[3]byte{1, 2, 3}, []byte{1, 2, 3}},
		{Tuple{}, Tuple{}},
		{Tuple{1, "a", nil}, Tuple{int64(1), "a", nil}},
		{[]any{}, []any{}},
		{[]string{"a", "b"}, []any{"a", "b"}},
		{[]int{1, 2, 3, 4}, []any{int64(1), int64(2), int64(3), int64(4)}},
		{map[string]int{}, map[any]any{}},
		{map[string]any{"k": []any{Tuple{1.25}}}, map[any]any{"k": []any{Tuple{1.25}}}},
		{map[any]any{nil: 1, true: 2, int64(3): 3, 4.5: 4, "5": 5}, map[any]any{nil: int64(1), true: int64(2), int64(3): int64(3), 4.5: int64(4), "5": int64(5)}},
		{map[uint64]bool{math.MaxUint64: true}, nil}, // a big key: refused into any, below
	} {
		p, err := Marshal(c.in)
		if err != nil {
			t.Fatalf("Marshal(%#v): %v", c.in, err)
		}
		var got any
		err = Unmarshal(p, &got)
		if c.want == nil && c.in != nil {
			if !errors.Is(err, wire.ErrUnencodable) {
				t.Errorf("%#v: %v, want ErrUnencodable", c.in, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Unmarshal of %#v: %v", c.in, err)
		}
		if !equal(got, c.want) {
			t.Errorf("%#v came back as %#v, want %#v", c.in, got, c.want)
		}
	}
}

// equal is reflect.DeepEqual with *big.Int compared by value.
func equal(a, b any) bool {
	if x, ok := a.(*big.Int); ok {
		y, ok := b.(*big.Int)
		return ok && x.Cmp(y) == 0
	}
	return reflect.DeepEqual(a, b)
}

// Typed targets convert, and refuse what does not fit with a TypeError
// that says where.
func TestTypedTargets(t *testing.T) {
	t.Parallel()
	check := func(in any, ptr any, want any) {
		t.Helper()
		p, err := Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		if err := Unmarshal(p, ptr); err != nil {
			t.Fatalf("%#v into %T: %v", in, ptr, err)
		}
		if got := reflect.ValueOf(ptr).Elem().Interface(); !equal(got, want) {
			t.Fatalf("%#v into %T: %#v, want %#v", in, ptr, got, want)
		}
	}
	check("s", new(string), "s")
	check(int64(-3), new(int8), int8(-3))
	check(300, new(uint16), uint16(300))
	check(7, new(float32), float32(7))
	check(2.5, new(float64), 2.5)
	check(true, new(bool), true)
	check([]byte("b"), new([]byte), []byte("b"))
	check([]byte("ab"), new([2]byte), [2]byte{'a', 'b'})
	check([]any{"x", "y"}, new([]string), []string{"x", "y"})
	check(Tuple{1, 2}, new([2]int), [2]int{1, 2})
	check(Tuple{1, 2}, new([]int), []int{1, 2})
	check([]any{1, "a"}, new(Tuple), Tuple{int64(1), "a"})
	check(map[string]int{"a": 1}, new(map[string]int), map[string]int{"a": 1})
	check(map[int]string{1: "a"}, new(map[int64]string), map[int64]string{1: "a"})
	check(map[string]any{"a": map[string]int{"b": 2}}, new(map[string]map[string]uint8), map[string]map[string]uint8{"a": {"b": 2}})
	check(nil, new([]int), []int(nil))
	check(nil, new(*int), (*int)(nil))
	check(5, new(*int), func() *int { i := 5; return &i }())
	check(uint64(math.MaxUint64), new(uint64), uint64(math.MaxUint64))
	check(uint64(math.MaxUint64), new(*big.Int), bigOf("18446744073709551615"))
	check(12, new(*big.Int), big.NewInt(12))
	check([]any{nil, 1}, new([]*int), []*int{nil, func() *int { i := 1; return &i }()})

	for _, c := range []struct {
		in   any
		ptr  any
		path string
	}{
		{"s", new(int), ""},
		{1, new(string), ""},
		{true, new(int), ""},
		{1.5, new(int), ""},
		{300, new(int8), ""},
		{-1, new(uint), ""},
		{uint64(math.MaxUint64), new(int64), ""},
		{int64(1<<53 + 1), new(float64), ""},
		{1e300, new(float32), ""},
		{[]byte("ab"), new(string), ""},
		{"ab", new([]byte), ""},
		{[]byte("abc"), new([2]byte), ""},
		{[]any{1, "x"}, new([]int), "[1]"},
		{Tuple{1, 2, 3}, new([2]int), ""},
		{map[string]any{"a": "x"}, new(map[string]int), "[a]"},
		{map[int]int{1: 1}, new(map[string]int), "[key]"},
		{map[string]int{}, new([]int), ""},
		{[]int{}, new(map[string]int), ""},
		{nil, new(int), ""},
		{1, new(struct{ A int }), ""},
		{1, new(error), ""},
		{[]any{map[any]any{"k": []any{[]any{1, "no"}}}}, new([]map[string][][]int), "[0][k][0][1]"},
	} {
		p, err := Marshal(c.in)
		if err != nil {
			t.Fatal(err)
		}
		before := reflect.ValueOf(c.ptr).Elem().Interface()
		err = Unmarshal(p, c.ptr)
		var te *TypeError
		if !errors.As(err, &te) || !errors.Is(err, wire.ErrUnencodable) || te.Path != c.path {
			t.Errorf("%#v into %T: %v, want a TypeError at %q", c.in, c.ptr, err, c.path)
			continue
		}
		if after := reflect.ValueOf(c.ptr).Elem().Interface(); !equal(before, after) {
			t.Errorf("%#v into %T: the target changed on error: %#v", c.in, c.ptr, after)
		}
	}
}

func TestUnmarshalNeedsPointer(t *testing.T) {
	t.Parallel()
	p, _ := Marshal(1)
	var i int
	for _, v := range []any{i, nil, (*int)(nil)} {
		if err := Unmarshal(p, v); err == nil {
			t.Errorf("Unmarshal into %#v: no error", v)
		}
	}
}

type cyclic map[string]any

func TestMarshalRefusals(t *testing.T) {
	t.Parallel()
	loop := cyclic{}
	loop["self"] = loop
	deep := any(nil)
	for range maxDepth + 2 {
		deep = []any{deep}
	}
	huge := new(big.Int).Exp(big.NewInt(10), big.NewInt(maxIntDigits), nil) // 4301 digits
	for _, v := range []any{
		struct{ A int }{1},
		&struct{}{},
		new(int),
		func() {},
		make(chan int),
		complex(1, 2),
		[]any{1, func() {}},
		map[[2]int]int{{1, 2}: 3},
		loop,
		deep,
		huge,
		new(big.Int).Neg(huge),
	} {
		if _, err := Marshal(v); !errors.Is(err, wire.ErrUnencodable) {
			t.Errorf("Marshal(%T): %v, want ErrUnencodable", v, err)
		}
	}
	// Just under the limits passes.
	ok := new(big.Int).Sub(huge, big.NewInt(1)) // 4300 nines
	if _, err := Marshal(ok); err != nil {
		t.Errorf("a 4300-digit int: %v", err)
	}
	deep = nil
	for range maxDepth {
		deep = []any{deep}
	}
	p, err := Marshal(deep)
	if err != nil {
		t.Fatalf("nesting %d: %v", maxDepth, err)
	}
	if err := Unmarshal(p, &deep); err != nil {
		t.Fatalf("nesting %d back: %v", maxDepth, err)
	}
}

// Pickles written by hand, in the forms CPython writes, so the scan and
// the converter are checked without python3.
func TestUnmarshalRefusals(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, pickle string
		want         error
	}{
		{"os.system call (protocol 0)", "cos\nsystem\n(S'echo hi'\ntR.", wire.ErrUnencodable},
		{"os.system call (protocol 2)", "\x80\x02cos\nsystem\nX\x02\x00\x00\x00hi\x85R.", wire.ErrUnencodable},
		{"a class", "\x80\x04\x8c\x08builtins\x8c\x03int\x93.", wire.ErrUnencodable},
		{"a set", "\x80\x04\x8f(K\x01\x90.", wire.ErrUnencodable},
		{"an object", "\x80\x02c__main__\nC\n)\x81}b.", wire.ErrUnencodable},
		{"INST", "(i__main__\nC\n.", wire.ErrUnencodable},
		{"persistent id", "Pabc\n.", wire.ErrUnencodable},
		{"extension", "\x80\x02\x82\x01.", wire.ErrUnencodable},
		{"python 2 str", "U\x02ab.", wire.ErrUnencodable},
		{"shared list", "\x80\x04]\x94(]\x94K\x01ah\x01e.", wire.ErrUnencodable},
		{"self-containing list", "\x80\x04]\x94h\x00a.", wire.ErrUnencodable},
		{"self-containing dict", "\x80\x04}\x94X\x01\x00\x00\x00ah\x00s.", wire.ErrUnencodable},
		{"big LONG1", "\x80\x02\x8a\x80" + strings.Repeat("\x01", 128) + ".", wire.ErrUnencodable},
		{"LONG4", "\x80\x02\x8b\x04\x00\x00\x00\x01\x02\x03\x04.", wire.ErrUnencodable},
		{"decimal int past CPython's limit", "I" + strings.Repeat("9", maxIntDigits+3) + "\n.", wire.ErrTooLarge},
		{"empty", "", wire.ErrCorrupt},
		{"no STOP", "\x80\x04K\x01", wire.ErrCorrupt},
		{"after STOP", "K\x01.K\x02.", wire.ErrCorrupt},
		{"unknown opcode", "\xff.", wire.ErrCorrupt},
		{"cut argument", "\x80\x04X\x10\x00\x00\x00ab.", wire.ErrCorrupt},
		{"huge declared length", "\x80\x05\x96\xff\xff\xff\xff\xff\xff\xff\x7f.", wire.ErrCorrupt},
		{"GET of nothing", "h\x05.", wire.ErrCorrupt},
		{"stack underflow", "a.", wire.ErrCorrupt},
		{"two values", "K\x01K\x02.", nil}, // og-rek returns the top; CPython too
		{"mark as a value", "(.", wire.ErrCorrupt},
		{"unhashable key", "\x80\x04}](K\x01\x85K\x02s.", wire.ErrCorrupt},
	} {
		var v any
		err := Unmarshal([]byte(c.pickle), &v)
		if c.want == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// A pickle of references to references (each tuple holding the previous
// one twice) describes 2^60 leaves in a few hundred bytes; decoded, the
// tuples are shared as in Python, not copied out.
func TestSharedTuplesStayShared(t *testing.T) {
	t.Parallel()
	p := []byte("\x80\x04K\x01\x94")
	for i := range 60 {
		p = append(p, 'h', byte(i), 'h', byte(i), 0x86, 0x94)
	}
	p = append(p, '.')
	var v any
	if err := Unmarshal(p, &v); err != nil {
		t.Fatal(err)
	}
	for range 59 {
		tu := v.(Tuple)
		if reflect.ValueOf(tu[0]).Pointer() != reflect.ValueOf(tu[1]).Pointer() {
			t.Fatal("a shared tuple was copied")
		}
		v = tu[0]
	}
	if in := v.(Tuple); in[0] != int64(1) || in[1] != int64(1) {
		t.Fatalf("innermost %#v", v)
	}
	// The same into a typed target.
	var typed []any
	if err := Unmarshal(p, &typed); err != nil {
		t.Fatal(err)
	}
}

// Bytes repeated by reference are copied each time, so their total is
// bounded relative to the pickle's size: 8 times it and 1 MiB.
func TestRepeatedBytesBounded(t *testing.T) {
	t.Parallel()
	p := []byte("\x80\x04B\x00\x00\x10\x00" + strings.Repeat("x", 1<<20) + "\x94](")
	for range 9 {
		p = append(p, 'h', 0)
	}
	p = append(p, "e."...)
	var v any
	if err := Unmarshal(p, &v); err != nil {
		t.Fatalf("9 references to 1 MiB: %v", err)
	}
	if l := v.([]any); len(l) != 9 || len(l[8].([]byte)) != 1<<20 {
		t.Fatalf("decoded %d items", len(l))
	}
	p = append(p[:len(p)-2], 'h', 0, 'h', 0, 'h', 0)
	p = append(p, "e."...)
	if err := Unmarshal(p, &v); !errors.Is(err, wire.ErrTooLarge) {
		t.Fatalf("12 references to 1 MiB: %v, want ErrTooLarge", err)
	}
}

// Errors stay short whatever the input: og-rek's messages quote it.
func TestErrorsStayShort(t *testing.T) {
	t.Parallel()
	for _, p := range []string{
		"F" + strings.Repeat("1", 1<<16) + "\n.",
		"\x80\x04X\x00\x00\x01\x00" + strings.Repeat("\xff", 1<<16) + "0e.",
		"\x80\x02c" + strings.Repeat("m", 1<<12) + "\nn\n.",
	} {
		var v any
		err := Unmarshal([]byte(p), &v)
		if !errors.Is(err, wire.ErrCorrupt) || len(err.Error()) > 400 {
			t.Errorf("error of %d bytes: %.400v", len(err.Error()), err)
		}
	}
}
