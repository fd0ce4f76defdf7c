package manager

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"mproc"
	"mproc/internal/mgr"
	"mproc/internal/wire"
)

// proxyRef names an object in a manager: how this process reaches the
// manager, and the object's id there. It crosses to other processes as the
// manager's address and the id; the receiver connects with the key it
// knows for that address, or its own auth key (which children inherit),
// as CPython's proxies do: the key itself never travels.
type proxyRef struct {
	cl    *client
	id    uint64
	token uint64 // the owner the calls act for; 0: this process (a view's own travels as 0)
}

type proxyWire struct {
	Network, Addr string
	ID            uint64
}

func (r proxyRef) marshal(kind string) ([]byte, error) {
	if r.cl == nil {
		return nil, fmt.Errorf("%w: a zero %s (create it with its manager)", mproc.ErrUnencodable, kind)
	}
	return wire.CBOR.Marshal(proxyWire{r.cl.network, r.cl.addr, r.id})
}

func unmarshalRef(b []byte, kind string) (proxyRef, error) {
	var w proxyWire
	if err := wire.CBOR.Unmarshal(b, &w); err != nil {
		return proxyRef{}, fmt.Errorf("%w: %s proxy: %v", wire.ErrCorrupt, kind, err)
	}
	if w.Network == "" || w.Addr == "" {
		return proxyRef{}, fmt.Errorf("%w: %s proxy without its manager's address", wire.ErrCorrupt, kind)
	}
	return proxyRef{cl: clientFor(w.Network, w.Addr, nil), id: w.ID}, nil
}

// call runs an operation on the object.
func (r proxyRef) call(ctx context.Context, op mgr.Op, args ...[]byte) ([][]byte, error) {
	return r.do(ctx, 0, op, args)
}

// callNoWait is call that fails at once instead of waiting.
func (r proxyRef) callNoWait(ctx context.Context, op mgr.Op, args ...[]byte) ([][]byte, error) {
	return r.do(ctx, mgr.FlagNoWait, op, args)
}

func (r proxyRef) do(ctx context.Context, flags uint8, op mgr.Op, args [][]byte) ([][]byte, error) {
	return r.send(ctx, &mgr.Request{Op: op, Obj: r.id, Token: r.token, Flags: flags, Args: args})
}

func (r proxyRef) send(ctx context.Context, req *mgr.Request) ([][]byte, error) {
	if r.cl == nil {
		return nil, errors.New("manager: use of a zero proxy (create it with its manager)")
	}
	return r.cl.call(ctx, req)
}

func u64Arg(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

func u64Val(vals [][]byte) (uint64, error) {
	if len(vals) < 1 || len(vals[0]) != 8 {
		return 0, fmt.Errorf("%w: expected a number from the manager", wire.ErrCorrupt)
	}
	return binary.LittleEndian.Uint64(vals[0]), nil
}

func boolVal(vals [][]byte) (bool, error) {
	if len(vals) < 1 || len(vals[0]) != 1 {
		return false, fmt.Errorf("%w: expected a flag from the manager", wire.ErrCorrupt)
	}
	return vals[0][0] == 1, nil
}

func oneVal(vals [][]byte) ([]byte, error) {
	if len(vals) != 1 {
		return nil, fmt.Errorf("%w: expected one value from the manager, got %d", wire.ErrCorrupt, len(vals))
	}
	return vals[0], nil
}

func encodeWire(v any) ([]byte, error) { return wire.CBOR.Marshal(v) }

func decodeWire(b []byte, v any) error {
	if err := wire.CBOR.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: proxy: %v", wire.ErrCorrupt, err)
	}
	return nil
}

// coders caches one coder per type for the proxies, whose zero values then
// fail with a clear error rather than a nil coder.
var coders sync.Map // reflect.Type -> *wire.Coder[T]

func coderOf[T any]() *wire.Coder[T] {
	t := reflect.TypeFor[T]()
	if c, ok := coders.Load(t); ok {
		return c.(*wire.Coder[T])
	}
	c, _ := coders.LoadOrStore(t, wire.NewCoder[T](nil))
	return c.(*wire.Coder[T])
}

// addr is where the proxy's manager listens.
func (r proxyRef) addr() string {
	if r.cl == nil {
		return ""
	}
	return r.cl.addr
}

// decodeOne decodes a call's single value as a T.
func decodeOne[T any](vals [][]byte, err error) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	b, err := oneVal(vals)
	if err != nil {
		return zero, err
	}
	return coderOf[T]().Decode(b)
}
