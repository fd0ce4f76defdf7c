package wire

import (
	"errors"
	"math/big"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/fxamacker/cbor/v2"
)

type holdsFunc struct {
	Name     string
	Callback func(int) error
}

type hidden struct {
	Public  int
	private string //lint:ignore U1000 the unexported field is what CheckType must see
}

type deepFunc struct {
	A []map[string]*holdsFunc
}

type node struct {
	Next *node
	V    int
}

type treeNode struct {
	Kids  []*treeNode
	ByTag map[string]treeNode
	Up    *treeNode
	Val   string
}

type ping struct{ P *pong }
type pong struct {
	Back *ping
	F    func() // refused, though only reachable through the cycle
}

type badList struct {
	Next *badList
	C    chan int
}

// Marshaler implementations with unexported fields: the codec uses their
// methods, so the fields are not lost.
//
//lint:ignore U1000 unexported fields the codec must not need
type binM struct{ secret []int }

func (binM) MarshalBinary() ([]byte, error) { return nil, nil }

//lint:ignore U1000 unexported fields the codec must not need
type binPtrM struct{ secret map[string]int }

func (*binPtrM) MarshalBinary() ([]byte, error) { return nil, nil }

//lint:ignore U1000 unexported fields the codec must not need
type cborM struct{ x int }

func (cborM) MarshalCBOR() ([]byte, error) { return []byte{0xf6}, nil }

//lint:ignore U1000 unexported fields the codec must not need
type textM struct{ s string }

func (textM) MarshalText() ([]byte, error) { return nil, nil }

// A marshaler is trusted even if its fields could not cross on their own.
type binWithFunc struct{ f func() }

func (binWithFunc) MarshalBinary() ([]byte, error) { return nil, nil }

func TestCheckTypeRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ  reflect.Type
		path string // expected TypeError.Path
		text string // expected in the message, besides the type
	}{
		{reflect.TypeFor[func()](), "", "func"},
		{reflect.TypeFor[func(int) (string, error)](), "", "func"},
		{reflect.TypeFor[chan int](), "", "chan"},
		{reflect.TypeFor[<-chan string](), "", "chan"},
		{reflect.TypeFor[unsafe.Pointer](), "", "unsafe.Pointer"},
		{reflect.TypeFor[holdsFunc](), ".Callback", "func"},
		{reflect.TypeFor[*holdsFunc](), "*.Callback", "func"},
		{reflect.TypeFor[[]holdsFunc](), "[].Callback", "func"},
		{reflect.TypeFor[[3]func()](), "[]", "func"},
		{reflect.TypeFor[map[string]chan int](), "[value]", "chan"},
		{reflect.TypeFor[map[chan int]bool](), "[key]", "chan"},
		{reflect.TypeFor[map[string][]*holdsFunc](), "[value][]*.Callback", "func"},
		{reflect.TypeFor[deepFunc](), ".A[][value]*.Callback", "func"},
		{reflect.TypeFor[hidden](), ".private", "unexported"},
		{reflect.TypeFor[*hidden](), "*.private", "unexported"},
		{reflect.TypeFor[map[string]hidden](), "[value].private", "unexported"},
		{reflect.TypeFor[struct{ P unsafe.Pointer }](), ".P", "unsafe.Pointer"},
		{reflect.TypeFor[ping](), ".P*.F", "func"},
		{reflect.TypeFor[badList](), ".C", "chan"},
		{reflect.TypeFor[struct {
			T time.Time
			C chan struct{}
		}](), ".C", "chan"},
	}
	for _, tt := range tests {
		t.Run(tt.typ.String(), func(t *testing.T) {
			t.Parallel()
			err := CheckType(tt.typ)
			if !errors.Is(err, ErrUnencodable) {
				t.Fatalf("CheckType(%v) = %v, want ErrUnencodable", tt.typ, err)
			}
			var te *TypeError
			if !errors.As(err, &te) {
				t.Fatalf("CheckType(%v) returned %T, want *TypeError", tt.typ, err)
			}
			if te.Type != tt.typ || te.Path != tt.path {
				t.Errorf("TypeError{Type: %v, Path: %q}, want {%v, %q}", te.Type, te.Path, tt.typ, tt.path)
			}
			msg := err.Error()
			for _, want := range []string{tt.typ.String(), tt.path, tt.text} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not mention %q", msg, want)
				}
			}
			// The answer is cached: asking again gives the same error.
			if again := CheckType(tt.typ); again != err {
				t.Errorf("second CheckType = %v, first %v", again, err)
			}
		})
	}
}

func TestCheckTypeUnexportedFieldNamed(t *testing.T) {
	t.Parallel()
	type config struct {
		Name    string
		retries int //lint:ignore U1000 the unexported field is what CheckType must see
	}
	err := CheckType(reflect.TypeFor[config]())
	if !errors.Is(err, ErrUnencodable) {
		t.Fatalf("CheckType: %v, want ErrUnencodable", err)
	}
	for _, want := range []string{"config", "retries", "int", "unexported"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not mention %q", err, want)
		}
	}
	// The same field seen through a pointer and a slice.
	err = CheckType(reflect.TypeFor[[]*config]())
	if !errors.Is(err, ErrUnencodable) || !strings.Contains(err.Error(), "[]*.retries") {
		t.Errorf("CheckType([]*config) = %v, want the path []*.retries", err)
	}
}

func TestCheckTypeAccepts(t *testing.T) {
	t.Parallel()
	types := []reflect.Type{
		nil,
		reflect.TypeFor[int](),
		reflect.TypeFor[string](),
		reflect.TypeFor[[]byte](),
		reflect.TypeFor[any](), // checked on the value
		reflect.TypeFor[error](),
		reflect.TypeFor[map[string]any](),
		reflect.TypeFor[[]*[]map[int]string](),
		reflect.TypeFor[struct{}](),
		reflect.TypeFor[struct {
			_ int // blank fields are padding, not data
			A int
		}](),
		reflect.TypeFor[outer](),
		reflect.TypeFor[time.Time](),
		reflect.TypeFor[*time.Time](),
		reflect.TypeFor[*big.Int](),
		reflect.TypeFor[*big.Rat](),
		reflect.TypeFor[node](),
		reflect.TypeFor[*node](),
		reflect.TypeFor[treeNode](),
		reflect.TypeFor[map[string]treeNode](),
		reflect.TypeFor[binM](),
		reflect.TypeFor[binPtrM](),
		reflect.TypeFor[*binPtrM](),
		reflect.TypeFor[[]binPtrM](),
		reflect.TypeFor[cborM](),
		reflect.TypeFor[textM](),
		reflect.TypeFor[binWithFunc](),
		reflect.TypeFor[cbor.RawMessage](),
		reflect.TypeFor[struct {
			B binM
			C map[string]cborM
		}](),
	}
	for _, typ := range types {
		if err := CheckType(typ); err != nil {
			t.Errorf("CheckType(%v) = %v, want nil", typ, err)
		}
	}
}

// Recursive types must terminate and be judged by what they hold. Each call
// would overflow the stack (a crash, so a failure) if the walk looped.
func TestCheckTypeRecursive(t *testing.T) {
	t.Parallel()
	type self []self
	type selfMap map[string]selfMap
	type viaFunc struct{ F func() viaFunc }
	for _, typ := range []reflect.Type{reflect.TypeFor[node](), reflect.TypeFor[self](), reflect.TypeFor[selfMap](), reflect.TypeFor[treeNode]()} {
		if err := CheckType(typ); err != nil {
			t.Errorf("CheckType(%v) = %v, want nil", typ, err)
		}
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[badList](), reflect.TypeFor[viaFunc](), reflect.TypeFor[pong]()} {
		if err := CheckType(typ); !errors.Is(err, ErrUnencodable) {
			t.Errorf("CheckType(%v) = %v, want ErrUnencodable", typ, err)
		}
	}
}

func TestCheckTypeConcurrent(t *testing.T) {
	t.Parallel()
	type fresh struct {
		A []map[string]*node
		F func()
	}
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Go(func() { errs[i] = CheckType(reflect.TypeFor[fresh]()) })
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, ErrUnencodable) || !strings.Contains(err.Error(), ".F") {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
}

func TestCheckValue(t *testing.T) {
	t.Parallel()
	type box struct {
		Name  string
		Value any
	}
	type boxes struct {
		List []box
		ByID map[int]*box
		Err  error
	}
	cyclic := &cycle{V: "x"}
	cyclic.Next = cyclic
	cyclicBad := &cycle{V: func() {}}
	cyclicBad.Next = cyclicBad

	refused := map[string]struct {
		v    any
		name string // in the message
	}{
		"func":             {func(int) {}, "func(int)"},
		"chan":             {make(chan string), "chan string"},
		"unsafe.Pointer":   {unsafe.Pointer(nil), "unsafe.Pointer"},
		"struct with func": {holdsFunc{}, "holdsFunc"},
		"pointer":          {&holdsFunc{}, "*wire.holdsFunc"},
		"unexported":       {hidden{}, "hidden"},
		"in a slice":       {[]any{1, "two", func() {}}, "func()"},
		"in a map":         {map[string]any{"ok": 1, "bad": make(chan int)}, "chan int"},
		"in a map key":     {map[any]int{"ok": 1, new(chan int): 2}, "*chan int"},
		"nested maps":      {map[string]any{"a": map[string]any{"b": []any{map[string]any{"c": func() {}}}}}, "func()"},
		"field":            {box{Name: "b", Value: func() {}}, "func()"},
		"field via ptr":    {&box{Value: &box{Value: make(chan int)}}, "chan int"},
		"deep struct":      {boxes{List: []box{{Value: 1}, {Value: []any{holdsFunc{}}}}}, "holdsFunc"},
		"map of ptrs":      {boxes{ByID: map[int]*box{1: nil, 2: {Value: unsafe.Pointer(nil)}}}, "unsafe.Pointer"},
		"cycle":            {cyclicBad, "*wire.cycle"},
		"cycle, no func":   {cyclic, "refers back to itself"},
		"deep nesting":     {nest(MaxNesting+5, 1), "nested more than 1000 levels"},
	}
	for name, tt := range refused {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v := reflect.ValueOf(&tt.v).Elem() // the any itself
			err := CheckValue(v)
			if !errors.Is(err, ErrUnencodable) {
				t.Fatalf("CheckValue(%T) = %v, want ErrUnencodable", tt.v, err)
			}
			if !strings.Contains(err.Error(), tt.name) {
				t.Errorf("message %q does not name %q", err, tt.name)
			}
		})
	}

	accepted := map[string]any{
		"nil":                  nil,
		"int":                  42,
		"map":                  map[string]any{"a": []any{1, "b", nil, map[string]any{}}},
		"struct":               box{Name: "x", Value: box{Value: []int{1}}},
		"nil field":            box{},
		"nil ptr":              (*box)(nil),
		"time":                 time.Now(),
		"binary":               binWithFunc{f: func() {}},
		"nesting at the limit": nest(MaxNesting-1, 1),
	}
	for name, x := range accepted {
		t.Run("ok "+name, func(t *testing.T) {
			t.Parallel()
			if err := CheckValue(reflect.ValueOf(&x).Elem()); err != nil {
				t.Fatalf("CheckValue(%T) = %v, want nil", x, err)
			}
		})
	}

	// Types without interfaces are the business of CheckType alone.
	if err := CheckValue(reflect.ValueOf(holdsFunc{})); err != nil {
		t.Errorf("CheckValue(holdsFunc{}) = %v; types without interfaces are not walked", err)
	}
	// A refused dynamic type reports that type, not the static any.
	err := CheckValue(reflect.ValueOf(box{Value: func() {}}))
	var te *TypeError
	if !errors.As(err, &te) || te.Type != reflect.TypeFor[func()]() {
		t.Errorf("CheckValue(box{func}) = %#v, want a TypeError for func()", err)
	}
}

type cycle struct {
	Next *cycle
	V    any
}

func nest(depth int, v any) any {
	for range depth {
		v = []any{v}
	}
	return v
}

func TestTypeErrorText(t *testing.T) {
	t.Parallel()
	e := &TypeError{Type: reflect.TypeFor[chan int](), Reason: "is a chan"}
	if got, want := e.Error(), "mproc: cannot send chan int to another process: is a chan"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &TypeError{Type: reflect.TypeFor[holdsFunc](), Path: ".Callback", Reason: "is a func"}
	if got, want := e.Error(), "mproc: cannot send wire.holdsFunc to another process: .Callback is a func"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, ErrUnencodable) || errors.Is(e, ErrCorrupt) {
		t.Errorf("TypeError must match ErrUnencodable only")
	}
}

func TestHasInterface(t *testing.T) {
	t.Parallel()
	tests := map[reflect.Type]bool{
		reflect.TypeFor[int]():                   false,
		reflect.TypeFor[holdsFunc]():             false,
		reflect.TypeFor[node]():                  false,
		reflect.TypeFor[treeNode]():              false,
		reflect.TypeFor[any]():                   true,
		reflect.TypeFor[error]():                 true,
		reflect.TypeFor[[]any]():                 true,
		reflect.TypeFor[map[any]int]():           true,
		reflect.TypeFor[map[int]*[2]any]():       true,
		reflect.TypeFor[cycle]():                 true,
		reflect.TypeFor[struct{ A, B, C any }](): true,
	}
	for typ, want := range tests {
		if got := hasInterface(typ); got != want {
			t.Errorf("hasInterface(%v) = %v, want %v", typ, got, want)
		}
	}
}

// What the sender lets through, the receiver's nesting limit accepts.
func TestNestingLimitMatchesDecoder(t *testing.T) {
	t.Parallel()
	c := NewCoder[any](nil)
	b, err := c.Encode(nest(MaxNesting-1, 1))
	if err != nil {
		t.Fatalf("Encode at the limit: %v", err)
	}
	if _, err := c.Decode(b); err != nil {
		t.Fatalf("Decode at the limit: %v", err)
	}
	if _, err := c.Encode(nest(MaxNesting+1, 1)); !errors.Is(err, ErrUnencodable) {
		t.Fatalf("Encode past the limit: %v", err)
	}
	type node struct {
		Next *node
		V    int
	}
	head := &node{V: 0}
	for i := range 2 * MaxNesting {
		head = &node{Next: head, V: i}
	}
	if _, err := NewCoder[*node](nil).Encode(head); !errors.Is(err, ErrUnencodable) {
		t.Fatalf("Encode of a list longer than the limit: %v", err)
	}
	loop := &node{}
	loop.Next = loop
	if _, err := NewCoder[*node](nil).Encode(loop); !errors.Is(err, ErrUnencodable) {
		t.Fatalf("Encode of a cycle: %v", err)
	}
}
