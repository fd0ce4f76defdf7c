package manager

import (
	"context"

	"mproc/internal/mgr"
	"mproc/internal/wire"
)

// Value is a proxy for one value held by a Manager (CPython's
// m.Value). Unlike Value, which lives in shared memory, it can be reached
// from other machines, and T may be any encodable type.
type Value[T any] struct{ ref proxyRef }

func (p *Value[T]) c() *wire.Coder[T] { return coderOf[T]() }

// NewValue makes a value in m, set to v.
func NewValue[T any](ctx context.Context, m *Manager, v T) (*Value[T], error) {
	p := &Value[T]{}
	b, err := p.c().Encode(v)
	if err != nil {
		return nil, err
	}
	if p.ref, err = m.create(ctx, mgr.KindValue, b); err != nil {
		return nil, err
	}
	return p, nil
}

// Load returns the value.
func (p *Value[T]) Load(ctx context.Context) (T, error) {
	return decodeOne[T](p.ref.call(ctx, mgr.OpValueGet))
}

// Store sets the value.
func (p *Value[T]) Store(ctx context.Context, v T) error {
	b, err := p.c().Encode(v)
	if err != nil {
		return err
	}
	_, err = p.ref.call(ctx, mgr.OpValueSet, b)
	return err
}

// Apply sets the value to op(value, operand) in one step and returns it.
func (p *Value[T]) Apply(ctx context.Context, op AtomicOp, operand T) (T, error) {
	kind, err := numKind[T]()
	if err != nil && op != OpSet {
		var zero T
		return zero, err
	}
	b, err := p.c().Encode(operand)
	if err != nil {
		var zero T
		return zero, err
	}
	return decodeOne[T](p.ref.call(ctx, mgr.OpValueApply, []byte(op), kind, b))
}

// Add adds delta in one step and returns the new value.
func (p *Value[T]) Add(ctx context.Context, delta T) (T, error) {
	return p.Apply(ctx, OpAdd, delta)
}

// CompareAndSwap sets the value to new if it is old (by encoding) and
// reports whether it did.
func (p *Value[T]) CompareAndSwap(ctx context.Context, old, new T) (bool, error) {
	ob, err := p.c().EncodeCopy(old)
	if err != nil {
		return false, err
	}
	nb, err := p.c().Encode(new)
	if err != nil {
		return false, err
	}
	vals, err := p.ref.call(ctx, mgr.OpValueCAS, ob, nb)
	if err != nil {
		return false, err
	}
	return boolVal(vals)
}

// MarshalBinary encodes the proxy as its manager's address and the value's id.
func (p *Value[T]) MarshalBinary() ([]byte, error) { return p.ref.marshal("Value") }

// UnmarshalBinary makes the proxy reach the same value.
func (p *Value[T]) UnmarshalBinary(b []byte) error {
	ref, err := unmarshalRef(b, "Value")
	p.ref = ref
	return err
}
