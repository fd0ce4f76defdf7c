package manager

import (
	"context"
	"fmt"
	"reflect"

	"mproc/internal/mgr"
	"mproc/internal/wire"
)

// RegisterType makes *T available to managers under name; call it at
// package level, so that the manager's process (the same program) has it
// too. Every exported method of *T can then be called through a Proxy
// (CPython's BaseManager.register). A method may take a context.Context
// first (the call's, ending at its deadline or when the client goes) and
// may return an error last.
func RegisterType[T any](name string) {
	mgr.RegisterType(name, mgr.TypeInfo{New: func() any { return new(T) }, Call: callMethod})
}

var (
	ctxType = reflect.TypeFor[context.Context]()
	errType = reflect.TypeFor[error]()
)

// callMethod calls v's exported method by name. It is reachable only
// through RegisterType: a lookup by name makes the linker keep every
// exported method in the program, which programs without registered types
// should not pay for.
func callMethod(ctx context.Context, v any, name string, args [][]byte) ([][]byte, error) {
	rv := reflect.ValueOf(v)
	m, ok := rv.Type().MethodByName(name)
	if !ok || !m.IsExported() {
		return nil, fmt.Errorf("%w: %v has no exported method %q", ErrRefused, rv.Type(), name)
	}
	in, err := methodArgs(ctx, m.Type, args)
	if err != nil {
		return nil, err
	}
	return methodResults(rv.Method(m.Index).Call(in))
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
		return nil, fmt.Errorf("%w: %d arguments for a method of %d", mgr.ErrBadArgs, len(args), len(params))
	}
	for i, p := range params {
		v := reflect.New(p)
		if err := wire.CBOR.Unmarshal(args[i], v.Interface()); err != nil {
			return nil, fmt.Errorf("%w: argument %d: %v", mgr.ErrBadArgs, i, err)
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
