package cluster

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"mproc"
	"mproc/internal/wire"
)

// Dict is a map shared by every process of the cluster: a JetStream
// key-value bucket. Each write gives the key a new revision, which Update
// takes for compare-and-set.
type Dict[K comparable, V any] struct {
	kv jetstream.KeyValue
	kc *wire.Coder[K]
	vc *wire.Coder[V]
}

func dictBucket(name string) string { return "mproc_dict_" + name }

// NewDict opens the dict called name, making it if it is new.
func NewDict[K comparable, V any](ctx context.Context, c *Conn, name string) (*Dict[K, V], error) {
	if err := checkName("dict", name); err != nil {
		return nil, err
	}
	kv, err := c.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: dictBucket(name), Storage: jetstream.FileStorage})
	if err != nil {
		return nil, fmt.Errorf("cluster: dict %q: %w", name, err)
	}
	return &Dict[K, V]{kv: kv, kc: wire.NewCoder[K](nil), vc: wire.NewCoder[V](nil)}, nil
}

// A key is stored as "k" and its encoding in URL-safe base64, which NATS
// accepts for any K.
func (d *Dict[K, V]) key(k K) (string, error) {
	b, err := d.kc.Encode(k)
	if err != nil {
		return "", err
	}
	return "k" + base64.RawURLEncoding.EncodeToString(b), nil
}

// decodeKey reads a key back; the bucket is anyone's to write.
func (d *Dict[K, V]) decodeKey(s string) (K, error) {
	var zero K
	if len(s) == 0 || s[0] != 'k' {
		return zero, fmt.Errorf("%w: dict key %q", mproc.ErrCorrupt, s)
	}
	b, err := base64.RawURLEncoding.DecodeString(s[1:])
	if err != nil {
		return zero, fmt.Errorf("%w: dict key %q: %v", mproc.ErrCorrupt, s, err)
	}
	return d.kc.DecodeCopy(b)
}

// Get returns k's value, or an error matching ErrNotFound.
func (d *Dict[K, V]) Get(ctx context.Context, k K) (V, error) {
	v, _, err := d.Entry(ctx, k)
	return v, err
}

// Entry returns k's value and its revision, for Update.
func (d *Dict[K, V]) Entry(ctx context.Context, k K) (V, uint64, error) {
	var zero V
	key, err := d.key(k)
	if err != nil {
		return zero, 0, err
	}
	e, err := d.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return zero, 0, fmt.Errorf("%w: %v", ErrNotFound, k)
	}
	if err != nil {
		return zero, 0, fmt.Errorf("cluster: %w", err)
	}
	v, err := d.vc.DecodeCopy(e.Value())
	return v, e.Revision(), err
}

// Put sets k to v and returns the new revision.
func (d *Dict[K, V]) Put(ctx context.Context, k K, v V) (uint64, error) {
	key, b, err := d.encode(k, v)
	if err != nil {
		return 0, err
	}
	rev, err := d.kv.Put(ctx, key, b)
	return rev, wrapKV(err)
}

// Create sets k to v if k has no value, else returns an error matching
// ErrExists.
func (d *Dict[K, V]) Create(ctx context.Context, k K, v V) (uint64, error) {
	key, b, err := d.encode(k, v)
	if err != nil {
		return 0, err
	}
	rev, err := d.kv.Create(ctx, key, b)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, fmt.Errorf("%w: %v", ErrExists, k)
	}
	return rev, wrapKV(err)
}

// Update sets k to v if k's revision is still rev (compare-and-set), else
// returns an error matching ErrConflict.
func (d *Dict[K, V]) Update(ctx context.Context, k K, v V, rev uint64) (uint64, error) {
	key, b, err := d.encode(k, v)
	if err != nil {
		return 0, err
	}
	nrev, err := d.kv.Update(ctx, key, b, rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		return 0, fmt.Errorf("%w: %v (revision %d)", ErrConflict, k, rev)
	}
	return nrev, wrapKV(err)
}

// Modify sets k to fn(its value), retrying on conflicts until it wins or
// ctx ends: an atomic read-modify-write. ok says whether k had a value.
// An error of fn is Modify's, and nothing is written.
func (d *Dict[K, V]) Modify(ctx context.Context, k K, fn func(v V, ok bool) (V, error)) (V, error) {
	for {
		old, rev, err := d.Entry(ctx, k)
		ok := err == nil
		if err != nil && !errors.Is(err, ErrNotFound) {
			return old, err
		}
		nv, err := fn(old, ok)
		if err != nil {
			return old, err
		}
		if ok {
			_, err = d.Update(ctx, k, nv, rev)
		} else {
			_, err = d.Create(ctx, k, nv)
		}
		if err == nil {
			return nv, nil
		}
		if !errors.Is(err, ErrConflict) && !errors.Is(err, ErrExists) {
			return old, err
		}
		if ctx.Err() != nil {
			return old, ctx.Err()
		}
	}
}

// Delete removes k; a missing k is no error.
func (d *Dict[K, V]) Delete(ctx context.Context, k K) error {
	key, err := d.key(k)
	if err != nil {
		return err
	}
	return wrapKV(d.kv.Delete(ctx, key))
}

// Keys returns the keys that have values, in no order.
func (d *Dict[K, V]) Keys(ctx context.Context) ([]K, error) {
	ks, err := d.kv.Keys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	if err != nil {
		return nil, wrapKV(err)
	}
	out := make([]K, 0, len(ks))
	for _, s := range ks {
		k, err := d.decodeKey(s)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// Len is the number of keys with values.
func (d *Dict[K, V]) Len(ctx context.Context) (int, error) {
	ks, err := d.Keys(ctx)
	return len(ks), err
}

func (d *Dict[K, V]) encode(k K, v V) (string, []byte, error) {
	key, err := d.key(k)
	if err != nil {
		return "", nil, err
	}
	b, err := d.vc.EncodeCopy(v)
	return key, b, err
}

func wrapKV(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("cluster: %w", err)
}
