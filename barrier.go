package mproc

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"mproc/internal/futex"
	"mproc/internal/lockword"
	"mproc/internal/shm"
)

// Barrier makes a fixed number of parties wait for each other (CPython's
// Barrier): each Wait blocks until all parties have called it, then all
// pass together, and the barrier is ready for the next round.
//
// A party that waits past its deadline (ctx, or the barrier's timeout)
// breaks the barrier for everyone: waiters then get ErrBrokenBarrier until
// Reset. So a dead party never hangs the others for longer than that.
// The zero Barrier is not usable: create one with NewBarrier.
type Barrier struct {
	ref *segRef
}

// Layout: a lock word for the state, then the state; seq changes on every
// event and is what waiters sleep on.
const (
	barLock    = 0
	barCount   = 4
	barGen     = 8
	barBroken  = 12
	barResetAt = 16
	barSeq     = 20
	barParties = 24
	barTimeout = 32 // int64 nanoseconds; 0: none
	barAction  = 64 // the action's registered name: a length byte, then the name
	barNameMax = 255
)

// BarrierOption configures a Barrier.
type BarrierOption func(*barrierConfig)

type barrierConfig struct {
	action  string
	timeout time.Duration
}

// WithBarrierAction runs f once per round, in the last process to arrive,
// before any party is released (CPython's action). If it fails, the barrier
// breaks.
func WithBarrierAction(f *Func[None, None]) BarrierOption {
	return func(c *barrierConfig) { c.action = f.Name() }
}

// WithBarrierTimeout is the default deadline of Wait when ctx has none.
func WithBarrierTimeout(d time.Duration) BarrierOption {
	return func(c *barrierConfig) { c.timeout = d }
}

// NewBarrier creates a barrier for parties parties.
func NewBarrier(parties int, opts ...BarrierOption) (*Barrier, error) {
	if parties < 1 || parties > 1<<30 {
		return nil, fmt.Errorf("mproc: a barrier needs at least one party, not %d", parties)
	}
	var cfg barrierConfig
	for _, o := range opts {
		o(&cfg)
	}
	if len(cfg.action) > barNameMax {
		return nil, fmt.Errorf("mproc: barrier action name longer than %d bytes", barNameMax)
	}
	seg, err := shm.New(shm.PageSize)
	if err != nil {
		return nil, err
	}
	*seg.Uint32(barParties) = uint32(parties)
	*seg.Uint64(barTimeout) = uint64(cfg.timeout)
	mem := seg.Bytes()
	mem[barAction] = byte(len(cfg.action))
	copy(mem[barAction+1:], cfg.action)
	return &Barrier{ref: newSegRef(seg)}, nil
}

func (b *Barrier) w(off int) *uint32 {
	if b == nil {
		panic("mproc: use of a nil Barrier")
	}
	b.ref.usable("Barrier")
	return b.ref.seg.Uint32(off)
}

// Parties is the number of parties needed to pass.
func (b *Barrier) Parties() int { return int(atomic.LoadUint32(b.w(barParties))) }

// Waiting is the number of parties waiting in the current round.
func (b *Barrier) Waiting() int { return int(atomic.LoadUint32(b.w(barCount))) }

// Broken reports whether the barrier is broken.
func (b *Barrier) Broken() bool { return atomic.LoadUint32(b.w(barBroken)) != 0 }

func (b *Barrier) lock() { lockword.Lock(context.Background(), b.w(barLock)) }

func (b *Barrier) unlock() { lockword.Unlock(b.w(barLock)) }

// bump wakes every waiter after a change of state; b is locked.
func (b *Barrier) bump() {
	atomic.AddUint32(b.w(barSeq), 1)
	futex.Wake(b.w(barSeq), 1<<30)
}

// Wait waits until every party has called Wait, and returns this party's
// arrival index: 0 for the first to arrive, Parties()-1 for the last, so
// exactly one party per round gets each index.
func (b *Barrier) Wait(ctx context.Context) (int, error) {
	if err := b.ref.err("Barrier"); err != nil {
		return 0, err
	}
	if _, ok := ctx.Deadline(); !ok {
		if d := time.Duration(*b.ref.seg.Uint64(barTimeout)); d > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
	}
	b.lock()
	if atomic.LoadUint32(b.w(barBroken)) != 0 {
		b.unlock()
		return 0, ErrBrokenBarrier
	}
	gen := atomic.LoadUint32(b.w(barGen))
	idx := atomic.AddUint32(b.w(barCount), 1) - 1
	if idx+1 == atomic.LoadUint32(b.w(barParties)) {
		err := b.release(ctx)
		b.unlock()
		return int(idx), err
	}
	b.unlock()
	return int(idx), b.await(ctx, gen)
}

// release ends the round: the action, then everyone goes; b is locked.
func (b *Barrier) release(ctx context.Context) error {
	if err := b.runAction(ctx); err != nil {
		atomic.StoreUint32(b.w(barBroken), 1)
		b.bump()
		return fmt.Errorf("%w: the barrier's action failed: %w", ErrBrokenBarrier, err)
	}
	atomic.StoreUint32(b.w(barCount), 0)
	atomic.AddUint32(b.w(barGen), 1)
	b.bump()
	return nil
}

func (b *Barrier) runAction(ctx context.Context) error {
	mem := b.ref.seg.Bytes()
	name := string(mem[barAction+1 : barAction+1+int(mem[barAction])])
	if name == "" {
		return nil
	}
	reg, ok := lookup(name)
	if !ok {
		return fmt.Errorf("%w: barrier action %q", ErrNotRegistered, name)
	}
	run, err := reg.decodeArg(nil)
	if err != nil {
		return err
	}
	_, err = run(ctx)
	return err
}

// await sleeps until the round of generation gen ends, or breaks the
// barrier when ctx ends first.
func (b *Barrier) await(ctx context.Context, gen uint32) error {
	seq := b.w(barSeq)
	stop := lockword.WakeOnDone(ctx, seq)
	defer stop()
	for {
		s := atomic.LoadUint32(seq)
		b.lock()
		done, err := b.outcome(gen)
		if !done && ctx.Err() != nil {
			atomic.StoreUint32(b.w(barBroken), 1) // give up, and take the others with us
			b.bump()
			done, err = true, fmt.Errorf("%w: %w", ErrBrokenBarrier, ctx.Err())
		}
		b.unlock()
		if done {
			return err
		}
		futex.Wait(seq, s, lockword.SleepTime(ctx, 0))
	}
}

// outcome says whether the round gen is over and how; b is locked.
func (b *Barrier) outcome(gen uint32) (bool, error) {
	if atomic.LoadUint32(b.w(barGen)) != gen {
		if atomic.LoadUint32(b.w(barResetAt)) == gen+1 {
			return true, ErrBrokenBarrier // Reset while we waited
		}
		return true, nil
	}
	if atomic.LoadUint32(b.w(barBroken)) != 0 {
		return true, ErrBrokenBarrier
	}
	return false, nil
}

// Abort breaks the barrier: current and future waiters get
// ErrBrokenBarrier until Reset.
func (b *Barrier) Abort() {
	b.lock()
	atomic.StoreUint32(b.w(barBroken), 1)
	b.bump()
	b.unlock()
}

// Reset returns the barrier to its empty state; parties waiting now get
// ErrBrokenBarrier.
func (b *Barrier) Reset() {
	b.lock()
	if atomic.LoadUint32(b.w(barCount)) > 0 {
		g := atomic.AddUint32(b.w(barGen), 1)
		atomic.StoreUint32(b.w(barResetAt), g) // tells the old round's waiters
	}
	atomic.StoreUint32(b.w(barCount), 0)
	atomic.StoreUint32(b.w(barBroken), 0)
	b.bump()
	b.unlock()
}

// Close lets go of the barrier in this process: its shared memory is
// unmapped here and its descriptor closed. Other processes that have the
// barrier keep using it; the kernel frees it with the last one. After
// Close, this process's Wait returns ErrClosed and the other methods panic.
// Closing again does nothing and returns nil. Close only a barrier no
// goroutine of this process is using or waiting on.
func (b *Barrier) Close() error { return b.ref.close() }

func (b *Barrier) attach(at *attachments) {
	if b.ref.err("Barrier") == nil {
		at.addSegment(b.ref.seg)
	}
}

// MarshalBinary encodes the barrier as a handle to its shared memory, which
// travels beside the message.
func (b *Barrier) MarshalBinary() ([]byte, error) { return marshalHandle("barrier", b.ref, 0) }

// UnmarshalBinary finds the barrier's shared memory, which came with the
// message.
func (b *Barrier) UnmarshalBinary(data []byte) (err error) {
	b.ref, _, err = unmarshalHandle(data, "barrier", shm.PageSize)
	return err
}
