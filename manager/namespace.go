package manager

import (
	"context"
	"fmt"
	"reflect"

	"mproc"
	"mproc/internal/mgr"
	"mproc/internal/wire"
)

// Namespace is a proxy for a namespace held by a Manager (CPython's
// m.Namespace()): named attributes of any types, set and read by every
// process.
type Namespace struct{ ref proxyRef }

// NewNamespace makes an empty namespace in m.
func NewNamespace(ctx context.Context, m *Manager) (*Namespace, error) {
	ref, err := m.create(ctx, mgr.KindNamespace)
	if err != nil {
		return nil, err
	}
	return &Namespace{ref}, nil
}

// Set sets the attribute name to v.
func (n *Namespace) Set(ctx context.Context, name string, v any) error {
	if err := wire.CheckValue(reflect.ValueOf(v)); err != nil {
		return err
	}
	b, err := wire.CBOR.Marshal(v)
	if err != nil {
		return fmt.Errorf("%w: %v", mproc.ErrUnencodable, err)
	}
	_, err = n.ref.call(ctx, mgr.OpDictSet, []byte(name), b)
	return err
}

// Get decodes the attribute name into the value ptr points to; a missing
// one is an error matching ErrKeyNotFound (CPython's AttributeError).
func (n *Namespace) Get(ctx context.Context, name string, ptr any) error {
	vals, err := n.ref.call(ctx, mgr.OpDictGet, []byte(name))
	if err != nil {
		return err
	}
	b, err := oneVal(vals)
	if err != nil {
		return err
	}
	return wire.CBOR.Unmarshal(b, ptr)
}

// Delete removes the attribute name.
func (n *Namespace) Delete(ctx context.Context, name string) error {
	_, err := n.ref.call(ctx, mgr.OpDictDelete, []byte(name))
	return err
}

// Names lists the attributes, in the order they were first set.
func (n *Namespace) Names(ctx context.Context) ([]string, error) {
	vals, err := n.ref.call(ctx, mgr.OpDictKeys)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(vals))
	for i, b := range vals {
		out[i] = string(b)
	}
	return out, nil
}

// MarshalBinary encodes the proxy as its manager's address and the
// namespace's id.
func (n *Namespace) MarshalBinary() ([]byte, error) { return n.ref.marshal("Namespace") }

// UnmarshalBinary makes the proxy reach the same namespace.
func (n *Namespace) UnmarshalBinary(b []byte) (err error) {
	n.ref, err = unmarshalRef(b, "Namespace")
	return err
}
