package mproc

import (
	"context"
	"errors"
	"time"

	"mproc/internal/mgr"
)

// ManagedBarrier is a proxy for a barrier held by a Manager (CPython's
// m.Barrier()).
type ManagedBarrier struct{ ref proxyRef }

// Barrier makes a barrier for parties in the manager. A wait without a
// deadline uses timeout (0: none); a wait that times out breaks the
// barrier, as in CPython.
func (m *Manager) Barrier(ctx context.Context, parties int, timeout time.Duration) (*ManagedBarrier, error) {
	if parties < 1 {
		return nil, errors.New("mproc: a barrier needs at least one party")
	}
	ref, err := m.create(ctx, mgr.KindBarrier, u64Arg(uint64(parties)), u64Arg(uint64(max(timeout, 0))))
	if err != nil {
		return nil, err
	}
	return &ManagedBarrier{ref}, nil
}

// Wait waits until every party waits, and returns this party's arrival
// index (0 to parties-1). A barrier that breaks (a wait timed out, Abort,
// Reset) gives ErrBrokenBarrier.
func (b *ManagedBarrier) Wait(ctx context.Context) (int, error) {
	vals, err := b.ref.call(ctx, mgr.OpBarrierWait)
	if err != nil {
		return 0, err
	}
	n, err := u64Val(vals)
	return int(n), err
}

// Abort breaks the barrier.
func (b *ManagedBarrier) Abort(ctx context.Context) error {
	_, err := b.ref.call(ctx, mgr.OpBarrierAbort)
	return err
}

// Reset mends a broken barrier; parties waiting get ErrBrokenBarrier.
func (b *ManagedBarrier) Reset(ctx context.Context) error {
	_, err := b.ref.call(ctx, mgr.OpBarrierReset)
	return err
}

// BarrierState is what a managed barrier reports.
type BarrierState struct {
	Parties, Waiting int
	Broken           bool
}

// State returns the parties, how many wait now, and whether it is broken.
func (b *ManagedBarrier) State(ctx context.Context) (BarrierState, error) {
	vals, err := b.ref.call(ctx, mgr.OpBarrierInfo)
	if err != nil {
		return BarrierState{}, err
	}
	if len(vals) != 3 {
		return BarrierState{}, errors.New("mproc: a malformed answer from the manager")
	}
	p, _ := u64Val(vals[0:1])
	w, _ := u64Val(vals[1:2])
	br, _ := boolVal(vals[2:3])
	return BarrierState{int(p), int(w), br}, nil
}

// MarshalCBOR encodes the proxy as its manager's address and the barrier's id.
func (b *ManagedBarrier) MarshalCBOR() ([]byte, error) { return b.ref.marshal("ManagedBarrier") }

// UnmarshalCBOR makes the proxy reach the same barrier.
func (b *ManagedBarrier) UnmarshalCBOR(data []byte) (err error) {
	b.ref, err = unmarshalRef(data, "ManagedBarrier")
	return err
}
