package mgr

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"mproc/internal/wire"
)

// Types registered for managers (BaseManager.register): a name and a
// constructor. Only their exported methods can be called.
var types struct {
	sync.RWMutex
	m map[string]func() any
}

// RegisterType makes a type available to managers under name; make returns
// a new value (a pointer, whose methods are served).
func RegisterType(name string, make func() any) {
	types.Lock()
	defer types.Unlock()
	if types.m == nil {
		types.m = map[string]func() any{}
	}
	if _, dup := types.m[name]; dup {
		panic("mproc: manager type " + name + " registered twice")
	}
	types.m[name] = make
}

// customObj is a value of a registered type; its methods run one at a time.
type customObj struct {
	mu sync.Mutex
	v  reflect.Value
}

func newCustom(args [][]byte) (*customObj, error) {
	if len(args) == 0 {
		return nil, bad("no type named")
	}
	types.RLock()
	mk := types.m[string(args[0])]
	types.RUnlock()
	if mk == nil {
		return nil, fmt.Errorf("%w: no type %q registered for managers in the server's program", ErrRefused, args[0])
	}
	o := &customObj{v: reflect.ValueOf(mk())}
	if len(args) > 1 { // the initial state, encoded like the value itself
		if err := wire.CBOR.Unmarshal(args[1], o.v.Interface()); err != nil {
			return nil, bad("initial value: %v", err)
		}
	}
	return o, nil
}

var (
	ctxType = reflect.TypeFor[context.Context]()
	errType = reflect.TypeFor[error]()
)

func (o *customObj) call(c *Call) ([][]byte, error) {
	if c.Op != OpMethod {
		return nil, refused(c.Op, "registered type")
	}
	if len(c.Args) == 0 {
		return nil, bad("no method named")
	}
	name := string(c.Args[0])
	m, ok := o.v.Type().MethodByName(name)
	if !ok || !m.IsExported() {
		return nil, fmt.Errorf("%w: %v has no exported method %q", ErrRefused, o.v.Type(), name)
	}
	ctx, cancel := c.wait()
	defer cancel()
	in, err := methodArgs(ctx, m.Type, c.Args[1:])
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	out := o.v.Method(m.Index).Call(in)
	o.mu.Unlock()
	return methodResults(out)
}

// methodArgs decodes the arguments into the method's parameter types; a
// leading context.Context gets the call's.
func methodArgs(ctx context.Context, t reflect.Type, args [][]byte) ([]reflect.Value, error) {
	var in []reflect.Value
	params := make([]reflect.Type, 0, t.NumIn()-1)
	for i := 1; i < t.NumIn(); i++ { // 0 is the receiver
		params = append(params, t.In(i))
	}
	if len(params) > 0 && params[0] == ctxType {
		in = append(in, reflect.ValueOf(ctx))
		params = params[1:]
	}
	if t.IsVariadic() || len(params) != len(args) {
		return nil, bad("%d arguments for a method of %d", len(args), len(params))
	}
	for i, p := range params {
		v := reflect.New(p)
		if err := wire.CBOR.Unmarshal(args[i], v.Interface()); err != nil {
			return nil, bad("argument %d: %v", i, err)
		}
		in = append(in, v.Elem())
	}
	return in, nil
}

// methodResults encodes the results; a last result of type error is the
// call's error.
func methodResults(out []reflect.Value) ([][]byte, error) {
	if n := len(out); n > 0 && out[n-1].Type() == errType {
		if err, _ := out[n-1].Interface().(error); err != nil {
			return nil, err
		}
		out = out[:n-1]
	}
	vals := make([][]byte, len(out))
	for i, v := range out {
		b, err := wire.CBOR.Marshal(v.Interface())
		if err != nil {
			return nil, fmt.Errorf("result %d: %w", i, err)
		}
		vals[i] = b
	}
	return vals, nil
}
