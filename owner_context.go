package mproc

import "context"

type ownerKey struct{}

// WithOwner returns a context that carries a new owner for a Manager's
// locks: what locks with it re-enters with it, and other owners wait.
// (The root's RLock names its owners with RLock.NewOwner instead.)
func WithOwner(ctx context.Context) context.Context {
	return context.WithValue(ctx, ownerKey{}, ownerCounter.Add(1))
}

// ownerOf names ctx's owner across processes, for a Manager's locks.
func ownerOf(ctx context.Context) uint64 {
	o, _ := ctx.Value(ownerKey{}).(uint64)
	return ownerToken(o)
}
