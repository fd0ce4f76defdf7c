package lockword

import (
	"context"
	"sync/atomic"
)

// The owner a context carries, shared by the root's RLock and the
// manager's locks, so that one WithOwner context names one owner for both.

type ownerKey struct{}

var ownerCounter atomic.Uint64

// WithOwner returns a context that carries a new owner.
func WithOwner(ctx context.Context) context.Context {
	return context.WithValue(ctx, ownerKey{}, ownerCounter.Add(1))
}

// OwnerOf names ctx's owner across processes: this pid and the token, so
// that a token left behind by a dead holder never matches a live owner.
func OwnerOf(ctx context.Context) uint64 {
	o, _ := ctx.Value(ownerKey{}).(uint64)
	return uint64(Self)<<40 | o&(1<<40-1)
}
