package mgr

import (
	"context"
	"fmt"
	"sync"

	"mproc/internal/wire"
)

// Types registered for managers (BaseManager.register): a name, a
// constructor, and the function that calls a value's method by name. That
// function comes from the registering package: a program that registers no
// type then never links a method lookup by name, which would keep every
// exported method of every type in the binary (megabytes, and a slower
// start for every child).
var types struct {
	sync.RWMutex
	m map[string]TypeInfo
}

// TypeInfo is what RegisterType records.
type TypeInfo struct {
	New func() any
	// Call calls v's exported method by name with the encoded arguments
	// and returns the encoded results; a method's last error result is the
	// call's error. ctx ends with the call.
	Call func(ctx context.Context, v any, method string, args [][]byte) ([][]byte, error)
}

// RegisterType makes a type available to managers under name.
func RegisterType(name string, info TypeInfo) {
	types.Lock()
	defer types.Unlock()
	if types.m == nil {
		types.m = map[string]TypeInfo{}
	}
	if _, dup := types.m[name]; dup {
		panic("manager: type " + name + " registered twice")
	}
	types.m[name] = info
}

// customObj is a value of a registered type; its methods run one at a time.
type customObj struct {
	mu   sync.Mutex
	v    any
	info TypeInfo
}

func newCustom(args [][]byte) (*customObj, error) {
	if len(args) == 0 {
		return nil, bad("no type named")
	}
	types.RLock()
	info, ok := types.m[string(args[0])]
	types.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w: no type %q registered for managers in the server's program", ErrRefused, args[0])
	}
	o := &customObj{v: info.New(), info: info}
	if len(args) > 1 { // the initial state, encoded like the value itself
		if err := wire.CBOR.Unmarshal(args[1], o.v); err != nil {
			return nil, bad("initial value: %v", err)
		}
	}
	return o, nil
}

func (o *customObj) call(c *Call) ([][]byte, error) {
	if c.Op != OpMethod {
		return nil, refused(c.Op, "registered type")
	}
	if len(c.Args) == 0 {
		return nil, bad("no method named")
	}
	ctx, cancel := c.wait()
	defer cancel()
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.info.Call(ctx, o.v, string(c.Args[0]), c.Args[1:])
}
