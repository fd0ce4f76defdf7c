package manager

import (
	"context"
	"errors"

	"mproc/internal/mgr"
)

// Barrier is a proxy for a barrier held by a Manager (CPython's
// m.Barrier()).
type Barrier struct{ ref proxyRef }

// NewBarrier makes a barrier for parties in m.
func NewBarrier(ctx context.Context, m *Manager, parties int, opts ...BarrierOption) (*Barrier, error) {
	if parties < 1 {
		return nil, errors.New("manager: a barrier needs at least one party")
	}
	var cfg barrierConfig
	for _, o := range opts {
		o(&cfg)
	}
	ref, err := m.create(ctx, mgr.KindBarrier, u64Arg(uint64(parties)), u64Arg(uint64(cfg.timeout)))
	if err != nil {
		return nil, err
	}
	return &Barrier{ref}, nil
}

// Wait waits until every party waits, and returns this party's arrival
// index (0 to parties-1). A barrier that breaks (a wait timed out, Abort,
// Reset) gives an error matching mproc.ErrBrokenBarrier.
func (b *Barrier) Wait(ctx context.Context) (int, error) {
	vals, err := b.ref.call(ctx, mgr.OpBarrierWait)
	if err != nil {
		return 0, err
	}
	n, err := u64Val(vals)
	return int(n), err
}

// Abort breaks the barrier.
func (b *Barrier) Abort(ctx context.Context) error {
	_, err := b.ref.call(ctx, mgr.OpBarrierAbort)
	return err
}

// Reset mends a broken barrier; parties waiting get
// mproc.ErrBrokenBarrier.
func (b *Barrier) Reset(ctx context.Context) error {
	_, err := b.ref.call(ctx, mgr.OpBarrierReset)
	return err
}

// State returns the parties, how many wait now, and whether it is broken.
func (b *Barrier) State(ctx context.Context) (BarrierState, error) {
	vals, err := b.ref.call(ctx, mgr.OpBarrierInfo)
	if err != nil {
		return BarrierState{}, err
	}
	if len(vals) != 3 {
		return BarrierState{}, errors.New("manager: a malformed answer from the manager")
	}
	p, _ := u64Val(vals[0:1])
	w, _ := u64Val(vals[1:2])
	br, _ := boolVal(vals[2:3])
	return BarrierState{int(p), int(w), br}, nil
}

// MarshalBinary encodes the proxy as its manager's address and the
// barrier's id.
func (b *Barrier) MarshalBinary() ([]byte, error) { return b.ref.marshal("Barrier") }

// UnmarshalBinary makes the proxy reach the same barrier.
func (b *Barrier) UnmarshalBinary(data []byte) (err error) {
	b.ref, err = unmarshalRef(data, "Barrier")
	return err
}
