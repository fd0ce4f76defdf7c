package mproc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"mproc"
)

type semArg struct {
	Gate    gate
	S       *mproc.Semaphore
	N       int                 // units to release, or iterations
	Inside  *mproc.Value[int32] // holders of a unit right now
	Most    *mproc.Value[int32] // the most holders seen at once
	Timeout time.Duration
}

var (
	// semDrain takes units with TryAcquire until there are none and
	// returns how many it got.
	semDrain = mproc.Register[semArg, int]("test.sync.sem.drain", semDrainLoop)

	// semAcquire counts itself in Inside (if given), then takes one unit,
	// waiting at most Timeout.
	semAcquire = mproc.Register[semArg, mproc.None]("test.sync.sem.acquire", func(ctx context.Context, a semArg) error {
		ctx, cancel := context.WithTimeout(ctx, a.Timeout)
		defer cancel()
		if a.Inside != nil {
			a.Inside.Add(1)
		}
		return a.S.Acquire(ctx)
	})

	// semRelease releases N units.
	semRelease = mproc.Register[semArg, mproc.None]("test.sync.sem.release", func(a semArg) error {
		for range a.N {
			if err := a.S.Release(); err != nil {
				return err
			}
		}
		return nil
	})

	// semWorker N times: takes a unit, counts itself in, works a little,
	// counts itself out, gives the unit back.
	semWorker = mproc.Register[semArg, mproc.None]("test.sync.sem.worker", func(ctx context.Context, a semArg) error {
		if err := a.Gate.pass(ctx); err != nil {
			return err
		}
		for range a.N {
			if err := a.S.Acquire(ctx); err != nil {
				return err
			}
			in := a.Inside.Add(1)
			for {
				m := a.Most.Load()
				if in <= m || a.Most.CompareAndSwap(m, in) {
					break
				}
			}
			time.Sleep(100 * time.Microsecond)
			a.Inside.Add(-1)
			if err := a.S.Release(); err != nil {
				return err
			}
		}
		return nil
	})
)

func semDrainLoop(ctx context.Context, a semArg) (int, error) {
	if err := a.Gate.pass(ctx); err != nil {
		return 0, err
	}
	n := 0
	for a.S.TryAcquire() {
		n++
	}
	return n, nil
}

func newSemaphore(t *testing.T, n int, bounded bool) *mproc.Semaphore {
	t.Helper()
	f := mproc.NewSemaphore
	if bounded {
		f = mproc.NewBoundedSemaphore
	}
	s, err := f(n)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSemaphore(t *testing.T) {
	noChildLeft(t)
	parallel(t, "DrainedAcrossProcesses", testSemaphoreDrainedAcrossProcesses)
	parallel(t, "LimitsHoldersAcrossProcesses", testSemaphoreLimitsHolders)
	parallel(t, "ReleasePastInitial", testSemaphoreReleasePastInitial)
	parallel(t, "Bounded", testSemaphoreBounded)
	parallel(t, "BoundedZero", testSemaphoreBoundedZero)
	parallel(t, "AcquireDeadline", testSemaphoreAcquireDeadline)
	parallel(t, "ReleaseInChildWakesParent", testSemaphoreReleaseInChildWakesParent)
	parallel(t, "ParentReleasesWakeChildren", testSemaphoreParentReleasesWakeChildren)
	parallel(t, "BadValue", testSemaphoreBadValue)
}

// Four children and this process take units until none is left: together
// exactly the initial value, and then TryAcquire fails.
func testSemaphoreDrainedAcrossProcesses(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	const units = 400000
	s := newSemaphore(t, units, false)
	a := semArg{Gate: newGate(t), S: s}
	var ps []*mproc.Proc[int]
	for range 4 {
		ps = append(ps, startChild(t, ctx, semDrain, a))
	}
	res := make(chan int, 1)
	go func() {
		n, err := semDrainLoop(ctx, a)
		if err != nil {
			t.Error(err)
		}
		res <- n
	}()
	a.Gate.open(t, ctx, 5)
	got := <-res
	for _, p := range ps {
		got += waitOK(t, ctx, p)
	}
	if got != units {
		t.Fatalf("took %d units in all from a semaphore of %d", got, units)
	}
	if v := s.Value(); v != 0 {
		t.Fatalf("Value() = %d after draining", v)
	}
	if s.TryAcquire() {
		t.Fatal("TryAcquire succeeded at 0")
	}
}

// A Semaphore(2) never lets more than two of four children hold a unit.
func testSemaphoreLimitsHolders(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	a := semArg{Gate: newGate(t), S: newSemaphore(t, 2, false), N: 200, Inside: newValue[int32](t, 0), Most: newValue[int32](t, 0)}
	var ps []*mproc.Proc[mproc.None]
	for range 4 {
		ps = append(ps, startChild(t, ctx, semWorker, a))
	}
	a.Gate.open(t, ctx, 4)
	for _, p := range ps {
		waitOK(t, ctx, p)
	}
	if m := a.Most.Load(); m > 2 || m < 1 {
		t.Fatalf("at most %d holders at once, want 1 or 2", m)
	}
	t.Logf("at most %d holders at once", a.Most.Load())
	if v := a.S.Value(); v != 2 {
		t.Fatalf("Value() = %d after all gave their units back", v)
	}
}

// A plain Semaphore may be released above its initial value, here and from
// a child.
func testSemaphoreReleasePastInitial(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	s := newSemaphore(t, 1, false)
	if err := s.Release(); err != nil {
		t.Fatalf("Release past the initial value: %v", err)
	}
	waitOK(t, ctx, startChild(t, ctx, semRelease, semArg{S: s, N: 3}))
	if v := s.Value(); v != 5 {
		t.Fatalf("Value() = %d, want 5", v)
	}
	for i := range 5 {
		if !s.TryAcquire() {
			t.Fatalf("TryAcquire %d failed", i+1)
		}
	}
	if s.TryAcquire() {
		t.Fatal("TryAcquire succeeded at 0")
	}
}

// A BoundedSemaphore refuses to go above its initial value, with
// ErrNotHeld, here and in a child, and its value is unchanged.
func testSemaphoreBounded(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	s := newSemaphore(t, 2, true)
	if err := s.Release(); !errors.Is(err, mproc.ErrNotHeld) {
		t.Fatalf("Release of a full BoundedSemaphore = %v", err)
	}
	if v := s.Value(); v != 2 {
		t.Fatalf("Value() = %d after a refused Release", v)
	}
	if !s.TryAcquire() {
		t.Fatal("TryAcquire failed")
	}
	_, err := startChild(t, ctx, semRelease, semArg{S: s, N: 2}).Wait(ctx)
	if !errors.Is(err, mproc.ErrNotHeld) {
		t.Fatalf("a child's second Release (past the bound) = %v", err)
	}
	if v := s.Value(); v != 2 {
		t.Fatalf("Value() = %d, want 2", v)
	}
}

// A BoundedSemaphore(0) can never be released (CPython: ValueError).
func testSemaphoreBoundedZero(t *testing.T) {
	s := newSemaphore(t, 0, true)
	if err := s.Release(); !errors.Is(err, mproc.ErrNotHeld) {
		t.Errorf("Release of a BoundedSemaphore(0) = %v, want ErrNotHeld; Value() is now %d", err, s.Value())
	}
}

// Acquire on an empty semaphore returns ctx's error after about the
// deadline and leaves it empty; with a ctx already ended, at once.
func testSemaphoreAcquireDeadline(t *testing.T) {
	ctx := ctxTimeout(t, 10*time.Second)
	s := newSemaphore(t, 0, false)
	const d = 200 * time.Millisecond
	var err error
	took := timed(func() {
		dctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		err = s.Acquire(dctx)
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire with a deadline at 0 = %v", err)
	}
	within(t, "Acquire with a 200ms deadline", took, d, d+2*time.Second)
	took = timed(func() { err = s.Acquire(expired()) })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire with a cancelled ctx at 0 = %v", err)
	}
	within(t, "Acquire with a cancelled ctx", took, 0, time.Second)
	if v := s.Value(); v != 0 {
		t.Fatalf("Value() = %d after failed Acquires", v)
	}
	// With a unit free, an ended ctx either takes it (CPython's
	// acquire(timeout=0), x/sync's semaphore) or fails and leaves it: never
	// half of each.
	s.Release()
	err = s.Acquire(expired())
	switch {
	case err == nil && s.Value() != 0:
		t.Fatalf("Acquire succeeded but Value() = %d", s.Value())
	case err != nil && s.Value() != 1:
		t.Fatalf("Acquire failed (%v) but Value() = %d", err, s.Value())
	}
	t.Logf("Acquire(cancelled ctx) with a unit free: %v", err)
}

// A Release in a child wakes this process waiting in Acquire.
func testSemaphoreReleaseInChildWakesParent(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	s := newSemaphore(t, 0, false)
	got := make(chan error, 1)
	go func() { got <- s.Acquire(ctx) }()
	// The goroutine waits, or will: nothing but the child gives a unit.
	waitOK(t, ctx, startChild(t, ctx, semRelease, semArg{S: s, N: 1}))
	if err := receive(t, got, wakeBound, "Acquire after the child's Release"); err != nil {
		t.Fatal(err)
	}
	if v := s.Value(); v != 0 {
		t.Fatalf("Value() = %d", v)
	}
}

// Three children wait in Acquire; three Releases here wake all three (no
// wake-up is lost), and a fourth child then waits in vain.
func testSemaphoreParentReleasesWakeChildren(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	s, ready := newSemaphore(t, 0, false), newValue[int32](t, 0)
	var ps []*mproc.Proc[mproc.None]
	for range 3 {
		ps = append(ps, startChild(t, ctx, semAcquire, semArg{S: s, Inside: ready, Timeout: 20 * time.Second}))
	}
	waitUntil(t, ctx, "the children are about to wait", func() bool { return ready.Load() == 3 })
	for range 3 {
		if err := s.Release(); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range ps {
		waitWithin(t, ctx, wakeBound, p)
	}
	if v := s.Value(); v != 0 {
		t.Fatalf("Value() = %d after three Acquires of three Releases", v)
	}
	_, err := startChild(t, ctx, semAcquire, semArg{S: s, Timeout: 100 * time.Millisecond}).Wait(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a child's Acquire at 0 with a deadline = %v", err)
	}
}

func testSemaphoreBadValue(t *testing.T) {
	if _, err := mproc.NewSemaphore(-1); err == nil {
		t.Fatal("NewSemaphore(-1) succeeded")
	}
	if _, err := mproc.NewBoundedSemaphore(-1); err == nil {
		t.Fatal("NewBoundedSemaphore(-1) succeeded")
	}
}
