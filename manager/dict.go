package manager

import (
	"context"
	"iter"

	"mproc/internal/mgr"
	"mproc/internal/wire"
)

// Dict is a proxy for a dict held by a Manager (CPython's DictProxy):
// every call is one request to the manager, so every process sees the same
// dict. Keys keep the order they were first set in. Each call is atomic;
// Apply, Add and CompareAndSwap make a read-modify-write atomic too, where
// CPython needs a lock around d[k] -= 1.
//
// Keys are compared by their encoding: use the same K everywhere.
type Dict[K comparable, V any] struct{ ref proxyRef }

func (d *Dict[K, V]) kc() *wire.Coder[K] { return coderOf[K]() }
func (d *Dict[K, V]) vc() *wire.Coder[V] { return coderOf[V]() }

// NewDict makes a dict in m holding init's items (CPython's m.dict(init));
// init may be nil.
func NewDict[K comparable, V any](ctx context.Context, m *Manager, init map[K]V) (*Dict[K, V], error) {
	d := &Dict[K, V]{}
	args, err := d.pairs(init)
	if err != nil {
		return nil, err
	}
	if d.ref, err = m.create(ctx, mgr.KindDict, args...); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Dict[K, V]) pairs(items map[K]V) ([][]byte, error) {
	args := make([][]byte, 0, 2*len(items))
	for k, v := range items {
		kb, err := d.kc().EncodeCopy(k)
		if err != nil {
			return nil, err
		}
		vb, err := d.vc().EncodeCopy(v)
		if err != nil {
			return nil, err
		}
		args = append(args, kb, vb)
	}
	return args, nil
}

// Get returns d[k], or an error matching ErrKeyNotFound.
func (d *Dict[K, V]) Get(ctx context.Context, k K) (V, error) {
	return d.keyOp(ctx, mgr.OpDictGet, k)
}

// Pop removes k and returns its value, or an error matching ErrKeyNotFound.
func (d *Dict[K, V]) Pop(ctx context.Context, k K) (V, error) {
	return d.keyOp(ctx, mgr.OpDictPop, k)
}

func (d *Dict[K, V]) keyOp(ctx context.Context, op mgr.Op, k K) (V, error) {
	var zero V
	kb, err := d.kc().Encode(k)
	if err != nil {
		return zero, err
	}
	vals, err := d.ref.call(ctx, op, kb)
	if err != nil {
		return zero, err
	}
	return d.value(vals)
}

func (d *Dict[K, V]) value(vals [][]byte) (V, error) {
	b, err := oneVal(vals)
	if err != nil {
		var zero V
		return zero, err
	}
	return d.vc().Decode(b)
}

// Set sets d[k] = v.
func (d *Dict[K, V]) Set(ctx context.Context, k K, v V) error {
	kb, vb, err := d.encode(k, v)
	if err != nil {
		return err
	}
	_, err = d.ref.call(ctx, mgr.OpDictSet, kb, vb)
	return err
}

func (d *Dict[K, V]) encode(k K, v V) (kb, vb []byte, err error) {
	if kb, err = d.kc().Encode(k); err != nil {
		return nil, nil, err
	}
	vb, err = d.vc().Encode(v)
	return kb, vb, err
}

// Delete removes k (del d[k]); a missing key is an error matching
// ErrKeyNotFound.
func (d *Dict[K, V]) Delete(ctx context.Context, k K) error {
	_, err := d.keyOp(ctx, mgr.OpDictDelete, k)
	return err
}

// Len is len(d).
func (d *Dict[K, V]) Len(ctx context.Context) (int, error) {
	vals, err := d.ref.call(ctx, mgr.OpDictLen)
	if err != nil {
		return 0, err
	}
	n, err := u64Val(vals)
	return int(n), err
}

// Contains reports whether k is in d.
func (d *Dict[K, V]) Contains(ctx context.Context, k K) (bool, error) {
	kb, err := d.kc().Encode(k)
	if err != nil {
		return false, err
	}
	vals, err := d.ref.call(ctx, mgr.OpDictContains, kb)
	if err != nil {
		return false, err
	}
	return boolVal(vals)
}

// Keys returns the keys, in order.
func (d *Dict[K, V]) Keys(ctx context.Context) ([]K, error) {
	vals, err := d.ref.call(ctx, mgr.OpDictKeys)
	if err != nil {
		return nil, err
	}
	keys := make([]K, len(vals))
	for i, b := range vals {
		if keys[i], err = d.kc().Decode(b); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// Items returns the items, in order, as they were at the call.
func (d *Dict[K, V]) Items(ctx context.Context) (iter.Seq2[K, V], error) {
	vals, err := d.ref.call(ctx, mgr.OpDictItems)
	if err != nil {
		return nil, err
	}
	keys, values := make([]K, len(vals)/2), make([]V, len(vals)/2)
	for i := range keys {
		if keys[i], err = d.kc().Decode(vals[2*i]); err != nil {
			return nil, err
		}
		if values[i], err = d.vc().Decode(vals[2*i+1]); err != nil {
			return nil, err
		}
	}
	return func(yield func(K, V) bool) {
		for i := range keys {
			if !yield(keys[i], values[i]) {
				return
			}
		}
	}, nil
}

// Map returns a copy of the dict as a Go map (CPython's d.copy()).
func (d *Dict[K, V]) Map(ctx context.Context) (map[K]V, error) {
	items, err := d.Items(ctx)
	if err != nil {
		return nil, err
	}
	out := map[K]V{}
	for k, v := range items {
		out[k] = v
	}
	return out, nil
}

// Update sets every item of items, in one step.
func (d *Dict[K, V]) Update(ctx context.Context, items map[K]V) error {
	args, err := d.pairs(items)
	if err != nil {
		return err
	}
	_, err = d.ref.call(ctx, mgr.OpDictUpdate, args...)
	return err
}

// Clear removes every item.
func (d *Dict[K, V]) Clear(ctx context.Context) error {
	_, err := d.ref.call(ctx, mgr.OpDictClear)
	return err
}

// SetDefault returns d[k], first setting it to v if k is missing.
func (d *Dict[K, V]) SetDefault(ctx context.Context, k K, v V) (V, error) {
	kb, vb, err := d.encode(k, v)
	if err != nil {
		var zero V
		return zero, err
	}
	vals, err := d.ref.call(ctx, mgr.OpDictSetDefault, kb, vb)
	if err != nil {
		var zero V
		return zero, err
	}
	return d.value(vals)
}

// Apply sets d[k] to op(d[k], operand) in one step and returns the new
// value; a missing key counts as the zero value. OpAdd and the other
// numeric operations need a number type V, OpAppend a string or []byte.
func (d *Dict[K, V]) Apply(ctx context.Context, k K, op AtomicOp, operand V) (V, error) {
	var zero V
	kind, err := numKind[V]()
	if err != nil && op != OpSet {
		return zero, err
	}
	kb, vb, err := d.encode(k, operand)
	if err != nil {
		return zero, err
	}
	vals, err := d.ref.call(ctx, mgr.OpDictApply, kb, []byte(op), kind, vb)
	if err != nil {
		return zero, err
	}
	return d.value(vals)
}

// Add adds delta to d[k] in one step and returns the new value: with it,
// d['count'] -= 1 from many processes needs no lock.
func (d *Dict[K, V]) Add(ctx context.Context, k K, delta V) (V, error) {
	return d.Apply(ctx, k, OpAdd, delta)
}

// CompareAndSwap sets d[k] to new if it holds old (compared by encoding)
// and reports whether it did; a missing key holds nothing.
func (d *Dict[K, V]) CompareAndSwap(ctx context.Context, k K, old, new V) (bool, error) {
	kb, err := d.kc().Encode(k)
	if err != nil {
		return false, err
	}
	ob, err := d.vc().EncodeCopy(old)
	if err != nil {
		return false, err
	}
	nb, err := d.vc().Encode(new)
	if err != nil {
		return false, err
	}
	vals, err := d.ref.call(ctx, mgr.OpDictCAS, kb, ob, nb)
	if err != nil {
		return false, err
	}
	return boolVal(vals)
}

// Addr is the address of the dict's manager.
func (d *Dict[K, V]) Addr() string { return d.ref.addr() }

// MarshalBinary encodes the proxy as its manager's address and the dict's id.
func (d *Dict[K, V]) MarshalBinary() ([]byte, error) { return d.ref.marshal("Dict") }

// UnmarshalBinary makes the proxy reach the same dict.
func (d *Dict[K, V]) UnmarshalBinary(b []byte) error {
	ref, err := unmarshalRef(b, "Dict")
	d.ref = ref
	return err
}
