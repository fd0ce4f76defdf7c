package manager

import (
	"context"
	"fmt"

	"mproc"
	"mproc/internal/mgr"
	"mproc/internal/wire"
)

// Proxy is a proxy for a value of a type registered with RegisterType,
// held by a Manager (CPython's BaseManager.register): calls name the
// type's exported methods, which run in the manager, one at a time.
type Proxy struct {
	ref      proxyRef
	typeName string
}

// NewProxy makes a value of the type registered as typeName in m, starting
// from init (nil: the zero value), and returns its proxy.
func NewProxy(ctx context.Context, m *Manager, typeName string, init any) (*Proxy, error) {
	args := [][]byte{[]byte(typeName)}
	if init != nil {
		b, err := wire.CBOR.Marshal(init)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", mproc.ErrUnencodable, err)
		}
		args = append(args, b)
	}
	ref, err := m.create(ctx, mgr.KindType, args...)
	if err != nil {
		return nil, err
	}
	return &Proxy{ref: ref, typeName: typeName}, nil
}

// Call calls the method, discarding its results; the function Call returns
// one.
func (p *Proxy) Call(ctx context.Context, method string, args ...any) error {
	_, err := p.call(ctx, method, args)
	return err
}

func (p *Proxy) call(ctx context.Context, method string, args []any) ([][]byte, error) {
	enc := make([][]byte, 0, 1+len(args))
	enc = append(enc, []byte(method))
	for i, a := range args {
		b, err := wire.CBOR.Marshal(a)
		if err != nil {
			return nil, fmt.Errorf("%w: argument %d: %v", mproc.ErrUnencodable, i, err)
		}
		enc = append(enc, b)
	}
	return p.ref.call(ctx, mgr.OpMethod, enc...)
}

// Call calls p's method and returns its first result as an R (CPython's
// proxy._callmethod); Proxy.Call is the form for methods whose results are
// not wanted.
func Call[R any](ctx context.Context, p *Proxy, method string, args ...any) (R, error) {
	var r R
	vals, err := p.call(ctx, method, args)
	if err != nil {
		return r, err
	}
	if len(vals) == 0 {
		return r, fmt.Errorf("manager: %s.%s returns nothing", p.typeName, method)
	}
	if err := wire.CBOR.Unmarshal(vals[0], &r); err != nil {
		return r, fmt.Errorf("manager: the result of %s.%s: %w", p.typeName, method, err)
	}
	return r, nil
}

type proxyTypeWire struct {
	Ref  []byte
	Type string
}

// MarshalBinary encodes the proxy as its manager's address, the object's id
// and its type's name.
func (p *Proxy) MarshalBinary() ([]byte, error) {
	rb, err := p.ref.marshal("Proxy")
	if err != nil {
		return nil, err
	}
	return encodeWire(proxyTypeWire{rb, p.typeName})
}

// UnmarshalBinary makes the proxy reach the same object.
func (p *Proxy) UnmarshalBinary(b []byte) error {
	var w proxyTypeWire
	if err := decodeWire(b, &w); err != nil {
		return err
	}
	ref, err := unmarshalRef(w.Ref, "Proxy")
	p.ref, p.typeName = ref, w.Type
	return err
}
