package mproc_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mproc"
	"mproc/internal/testmain"
)

// A Lock is a sync.Locker.
var _ sync.Locker = (*mproc.Lock)(nil)

// ---- Harness shared by the tests of the synchronization objects ----
//
// Each area (TestLock, TestRLock, ...) is a top-level test that is not
// parallel, so that nothing else in this binary runs beside it, with
// parallel subtests. noChildLeft checks at the end of the area that no child
// it started is still active or a zombie; every child is also checked, and
// killed if the test failed before it ended, by startChild's cleanup.

// noChildLeft makes t check, once it and its subtests are done, that
// ActiveChildren holds nothing that was not there when it began, and that
// this process has no zombie children.
func noChildLeft(t *testing.T) {
	t.Helper()
	before := map[*mproc.Process]bool{}
	for _, p := range mproc.ActiveChildren() {
		before[p] = true
	}
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			var left []*mproc.Process
			for _, p := range mproc.ActiveChildren() {
				if !before[p] {
					left = append(left, p)
				}
			}
			z := zombieChildren()
			if len(left) == 0 && len(z) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("left behind: active children %v, zombies %v", left, z)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

// parallel runs f as a parallel subtest of t.
func parallel(t *testing.T, name string, f func(t *testing.T)) {
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		f(t)
	})
}

// startChild is testmain.StartChild, under the name these tests use.
func startChild[A, R any](t *testing.T, ctx context.Context, f *mproc.Func[A, R], arg A) *mproc.Proc[R] {
	t.Helper()
	return testmain.StartChild(t, ctx, f, arg)
}

// waitOK waits for p's result and fails the test if it is an error.
func waitOK[R any](t *testing.T, ctx context.Context, p *mproc.Proc[R]) R {
	t.Helper()
	r, err := p.Wait(ctx)
	if err != nil {
		t.Fatalf("%v: %v", p, err)
	}
	return r
}

// waitUntil polls cond until it holds, failing the test when ctx ends first.
func waitUntil(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if ctx.Err() != nil {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// soon polls cond until it holds, failing the test after wakeBound.
func soon(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, wakeBound)
	defer cancel()
	waitUntil(t, ctx, what, cond)
}

// stays checks that cond holds throughout d: a negative check (nothing more
// happens), never used to order events.
func stays(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		if !cond() {
			t.Fatalf("%s stopped holding", what)
		}
	}
}

// within checks that d lies in [lo, hi].
func within(t *testing.T, what string, d, lo, hi time.Duration) {
	t.Helper()
	if d < lo || d > hi {
		t.Fatalf("%s took %v, want between %v and %v", what, d, lo, hi)
	}
}

// timed runs f and returns how long it took.
func timed(f func()) time.Duration {
	t0 := time.Now()
	f()
	return time.Since(t0)
}

// expired returns a context that has already been cancelled.
func expired() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// wakeBound is how long a waiter may take to notice what woke it: far more
// than it needs, far less than the waiters' own timeouts (20 s), so that a
// lost wake-up, which a waiter would only notice at its timeout or next
// poll, fails the test instead of slowing it down.
const wakeBound = 3 * time.Second

// waitWithin waits at most d for p's result, and fails the test if it is an
// error or late.
func waitWithin[R any](t *testing.T, ctx context.Context, d time.Duration, p *mproc.Proc[R]) R {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	r, err := p.Wait(ctx)
	if err != nil {
		t.Fatalf("%v: %v", p, err)
	}
	return r
}

// receive takes a value from c within d, or fails the test.
func receive[T any](t *testing.T, c <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(d):
		t.Fatalf("%s: nothing after %v", what, d)
		panic("unreachable")
	}
}

// gate lines up workers (children, goroutines) so that they start their
// loops together and really contend, instead of one after the other as
// their starts are spread over milliseconds.
type gate struct {
	Ready *mproc.Value[int32]
	Go    *mproc.Event
}

func newGate(t *testing.T) gate {
	t.Helper()
	return gate{Ready: newValue[int32](t, 0), Go: newEvent(t)}
}

// pass counts the worker in and waits for the gate to open.
func (g gate) pass(ctx context.Context) error {
	g.Ready.Add(1)
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	return g.Go.Wait(ctx)
}

// open waits until n workers are at the gate and lets them all go.
func (g gate) open(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	waitUntil(t, ctx, fmt.Sprintf("%d workers at the gate", n), func() bool { return g.Ready.Load() == int32(n) })
	g.Go.Set()
}

// workFor is how long each worker of a contention test runs its loop: long
// enough for all of them to overlap on both cores, whatever their start.
const workFor = 150 * time.Millisecond

// loopFor runs step until d has passed (checking the clock every 64 steps)
// and returns how many steps it ran.
func loopFor(d time.Duration, step func(i int)) int {
	start := time.Now()
	for i := 0; ; i++ {
		if i%64 == 0 && time.Since(start) > d {
			return i
		}
		step(i)
	}
}

// runWorkers runs f(arg) in children and local(arg) in goroutines, opens
// their gate once all are there, and returns the sum of their counts.
func runWorkers[A any](t *testing.T, ctx context.Context, g gate, f *mproc.Func[A, int], local func(context.Context, A) (int, error), arg A, children, goroutines int) int {
	t.Helper()
	var ps []*mproc.Proc[int]
	for range children {
		ps = append(ps, startChild(t, ctx, f, arg))
	}
	type result struct {
		n   int
		err error
	}
	res := make(chan result, goroutines)
	for range goroutines {
		go func() {
			n, err := local(ctx, arg)
			res <- result{n, err}
		}()
	}
	g.open(t, ctx, children+goroutines)
	total := 0
	for range goroutines {
		r := <-res
		if r.err != nil {
			t.Fatal(r.err)
		}
		total += r.n
	}
	for _, p := range ps {
		total += waitOK(t, ctx, p)
	}
	return total
}

func newLock(t *testing.T) *mproc.Lock {
	t.Helper()
	l, err := mproc.NewLock()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func newRLock(t *testing.T) *mproc.RLock {
	t.Helper()
	l, err := mproc.NewRLock()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func newEvent(t *testing.T) *mproc.Event {
	t.Helper()
	e, err := mproc.NewEvent()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func newValue[T any](t *testing.T, v T) *mproc.Value[T] {
	t.Helper()
	x, err := mproc.NewValue(v)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func newRawValue[T any](t *testing.T, v T) *mproc.Value[T] {
	t.Helper()
	x, err := mproc.NewRawValue(v)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func newArray[T any](t *testing.T, n int) *mproc.Array[T] {
	t.Helper()
	a, err := mproc.NewArray[T](n)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// lockOwner is the pid holding l (0: free), read from its String.
func lockOwner(l *mproc.Lock) int {
	var pid int
	if _, err := fmt.Sscanf(l.String(), "<Lock(owner=%d)>", &pid); err != nil {
		return 0
	}
	return pid
}

// ---- Functions the Lock tests run in children ----

// lockCounterArg drives a critical section that detects any overlap: a
// counter only the lock protects (read, yield, write), and an atomic count
// of those inside.
type lockCounterArg struct {
	Gate    gate
	L       *mproc.Lock
	Counter *mproc.Value[int64] // raw: only L protects it
	Inside  *mproc.Value[int32]
	Overlap *mproc.Value[int32] // times someone found another one inside
}

func lockCounterLoop(ctx context.Context, a lockCounterArg) (int, error) {
	if err := a.Gate.pass(ctx); err != nil {
		return 0, err
	}
	p := a.Counter.Pointer()
	return loopFor(workFor, func(i int) {
		a.L.Lock()
		if a.Inside.Add(1) != 1 {
			a.Overlap.Add(1)
		}
		x := *p
		if i%16 == 0 {
			runtime.Gosched() // widen the window an exclusion bug would fall into
		}
		*p = x + 1
		a.Inside.Add(-1)
		a.L.Unlock()
	}), nil
}

// lockHoldArg: take L, then hold it until Release is set (never, for the
// children that are killed).
type lockHoldArg struct {
	L       *mproc.Lock
	Release *mproc.Event
}

// lockWaitArg: check that L is held by someone else (a short LockContext
// must time out), announce the long wait with Trying, then LockContext.
type lockWaitArg struct {
	L      *mproc.Lock
	Trying *mproc.Event
}

type lockWaitResult struct {
	OwnerDead bool
	At        int64 // UnixNano when it got the lock
}

var (
	lockIncrement = mproc.Register[lockCounterArg, int]("test.sync.lock.increment", lockCounterLoop)

	lockHold = mproc.Register[lockHoldArg, mproc.None]("test.sync.lock.hold", func(ctx context.Context, a lockHoldArg) error {
		if err := a.L.LockContext(ctx); err != nil && !errors.Is(err, mproc.ErrOwnerDead) {
			return err
		}
		if err := a.Release.Wait(ctx); err != nil {
			return err
		}
		a.L.Unlock()
		return nil
	})

	lockWaiter = mproc.Register[lockWaitArg, lockWaitResult]("test.sync.lock.waiter", func(ctx context.Context, a lockWaitArg) (lockWaitResult, error) {
		var r lockWaitResult
		sctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
		err := a.L.LockContext(sctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			return r, fmt.Errorf("a short LockContext on a held lock returned %v", err)
		}
		a.Trying.Set()
		lctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		err = a.L.LockContext(lctx)
		r.At, r.OwnerDead = time.Now().UnixNano(), errors.Is(err, mproc.ErrOwnerDead)
		if err != nil && !r.OwnerDead {
			return r, err
		}
		a.L.Unlock()
		return r, nil
	})

	// lockTry reports whether the child could take l (and lets it go again).
	lockTry = mproc.Register[*mproc.Lock, bool]("test.sync.lock.try", func(l *mproc.Lock) bool {
		if !l.TryLock() {
			return false
		}
		l.Unlock()
		return true
	})

	// lockRelease releases l from a process that did not take it, and
	// returns Unlock's panic as its error.
	lockRelease = mproc.Register[*mproc.Lock, mproc.None]("test.sync.lock.release", func(l *mproc.Lock) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err, _ = r.(error)
			}
		}()
		l.Unlock()
		return nil
	})

	// lockMake creates a lock in the child and returns it, locked or not;
	// the child then exits, holding it if locked.
	lockMake = mproc.Register[bool, *mproc.Lock]("test.sync.lock.make", func(locked bool) (*mproc.Lock, error) {
		l, err := mproc.NewLock()
		if err == nil && locked {
			l.Lock()
		}
		return l, err
	})
)

// ---- Tests ----

func TestLock(t *testing.T) {
	noChildLeft(t)
	parallel(t, "MutualExclusion", testLockMutualExclusion)
	parallel(t, "TryLockWhileChildHolds", testLockTryLockWhileChildHolds)
	parallel(t, "LockContextDeadline", testLockContextDeadline)
	parallel(t, "UnlockUnlocked", testLockUnlockUnlocked)
	parallel(t, "AnyProcessMayRelease", testLockAnyProcessMayRelease)
	parallel(t, "MadeInChild", testLockMadeInChild)
	parallel(t, "WaiterInChildGetsKilledHoldersLock", testLockWaiterInChildGetsKilledHoldersLock)
	parallel(t, "KilledWaiterDoesNotSwallowWakeUp", testLockKilledWaiterDoesNotSwallowWakeUp)
}

// Four children and two goroutines of this process increment a counter that
// only the lock protects: the total is exact and nobody was ever inside with
// someone else.
func testLockMutualExclusion(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	const children, goroutines = 4, 2
	a := lockCounterArg{
		Gate:    newGate(t),
		L:       newLock(t),
		Counter: newRawValue[int64](t, 0),
		Inside:  newValue[int32](t, 0),
		Overlap: newValue[int32](t, 0),
	}
	n := runWorkers(t, ctx, a.Gate, lockIncrement, lockCounterLoop, a, children, goroutines)
	t.Logf("%d increments under the lock", n)
	if got := *a.Counter.Pointer(); got != int64(n) {
		t.Errorf("counter = %d after %d increments", got, n)
	}
	if o := a.Overlap.Load(); o != 0 {
		t.Errorf("%d times two holders were inside together", o)
	}
	if mproc.Locked(a.L) {
		t.Errorf("lock still held: %v", a.L)
	}
}

// TryLock fails while a child holds the lock, and succeeds once it let go.
func testLockTryLockWhileChildHolds(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l, rel := newLock(t), newEvent(t)
	p := startChild(t, ctx, lockHold, lockHoldArg{L: l, Release: rel})
	waitUntil(t, ctx, "the child holds the lock", func() bool { return lockOwner(l) == p.Pid() })
	if l.TryLock() {
		t.Fatal("TryLock succeeded while a child holds the lock")
	}
	if !mproc.Locked(l) || lockOwner(l) != p.Pid() {
		t.Fatalf("after a failed TryLock: %v, want owner %d", l, p.Pid())
	}
	rel.Set()
	waitWithin(t, ctx, wakeBound, p)
	if mproc.Locked(l) {
		t.Fatalf("after the child released it: %v", l)
	}
	if !l.TryLock() {
		t.Fatal("TryLock failed on a free lock")
	}
	if lockOwner(l) != os.Getpid() {
		t.Fatalf("after TryLock: %v, want owner %d", l, os.Getpid())
	}
	l.Unlock()
}

// LockContext returns ctx's error in time and leaves the lock as it was:
// held by the child while it holds it, free once the child let go (the
// waiters that gave up took nothing).
func testLockContextDeadline(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l, rel := newLock(t), newEvent(t)
	p := startChild(t, ctx, lockHold, lockHoldArg{L: l, Release: rel})
	waitUntil(t, ctx, "the child holds the lock", func() bool { return lockOwner(l) == p.Pid() })
	stillHeld := func(when string) {
		t.Helper()
		if lockOwner(l) != p.Pid() {
			t.Fatalf("%s: %v, want owner %d", when, l, p.Pid())
		}
	}

	// A deadline.
	const d = 100 * time.Millisecond
	var err error
	took := timed(func() {
		dctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		err = l.LockContext(dctx)
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("LockContext with a deadline on a held lock = %v", err)
	}
	within(t, "LockContext with a 100ms deadline", took, d, d+2*time.Second)
	stillHeld("after the deadline")

	// A context that has already ended.
	took = timed(func() { err = l.LockContext(expired()) })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("LockContext with a cancelled ctx on a held lock = %v", err)
	}
	within(t, "LockContext with a cancelled ctx", took, 0, time.Second)
	stillHeld("after the cancelled ctx")

	// A cancel while waiting.
	cctx, cancel := context.WithCancel(ctx)
	res := make(chan error, 1)
	go func() { res <- l.LockContext(cctx) }()
	cancelled := time.Now()
	cancel()
	select {
	case err = <-res:
	case <-ctx.Done():
		t.Fatal("LockContext did not return after its ctx was cancelled")
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("LockContext cancelled while waiting = %v", err)
	}
	within(t, "LockContext after a cancel", time.Since(cancelled), 0, time.Second)
	stillHeld("after a cancelled wait")

	rel.Set()
	waitWithin(t, ctx, wakeBound, p)
	if mproc.Locked(l) {
		t.Fatalf("the holder let go after the failed waits, yet %v", l)
	}

	// On a free lock, an ended ctx either takes the lock (CPython's
	// acquire(timeout=0)) or fails and leaves it free: never half of each.
	err = l.LockContext(expired())
	switch {
	case err == nil && lockOwner(l) != os.Getpid():
		t.Fatalf("LockContext succeeded but %v", l)
	case err != nil && mproc.Locked(l):
		t.Fatalf("LockContext failed (%v) but %v", err, l)
	}
	t.Logf("LockContext(cancelled ctx) on a free lock: %v", err)
	if err == nil {
		l.Unlock()
	}
}

// unlockPanics checks that unlock panics with an error matching
// ErrNotHeld, as sync.Mutex's Unlock of an unlocked mutex fails.
func unlockPanics(t *testing.T, when string, unlock func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		err, ok := r.(error)
		if !ok || !errors.Is(err, mproc.ErrNotHeld) {
			t.Fatalf("%s: Unlock panicked with %v (%T), want an error matching ErrNotHeld", when, r, r)
		}
	}()
	unlock()
}

// Unlock of an unlocked lock panics with ErrNotHeld.
func testLockUnlockUnlocked(t *testing.T) {
	l := newLock(t)
	unlockPanics(t, "a new lock", l.Unlock)
	l.Lock()
	if !mproc.Locked(l) {
		t.Fatal("Lock did not lock")
	}
	l.Unlock()
	unlockPanics(t, "a second Unlock", l.Unlock)
	if mproc.Locked(l) {
		t.Fatalf("after the failed releases: %v", l)
	}
}

// Like CPython's, any process may release a lock; releasing a free one
// fails there too, and the error crosses back as ErrNotHeld.
func testLockAnyProcessMayRelease(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := newLock(t)
	l.Lock()
	waitOK(t, ctx, startChild(t, ctx, lockRelease, l))
	if mproc.Locked(l) {
		t.Fatalf("a child released the parent's lock, yet %v", l)
	}
	_, err := startChild(t, ctx, lockRelease, l).Wait(ctx)
	var re *mproc.RemoteError
	if !errors.As(err, &re) || !errors.Is(err, mproc.ErrNotHeld) {
		t.Fatalf("a child's Release of a free lock = %v, want a RemoteError matching ErrNotHeld", err)
	}
}

// A lock a child creates and returns works in the parent, and in other
// children; one it returns locked (and dies holding) passes to the parent
// with ErrOwnerDead.
func testLockMadeInChild(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := waitOK(t, ctx, startChild(t, ctx, lockMake, false))
	if mproc.Locked(l) {
		t.Fatalf("an unlocked lock from a child: %v", l)
	}
	if !l.TryLock() {
		t.Fatal("TryLock on a free lock from a child failed")
	}
	if waitOK(t, ctx, startChild(t, ctx, lockTry, l)) {
		t.Fatal("another child took the lock the parent holds")
	}
	l.Unlock()
	if !waitOK(t, ctx, startChild(t, ctx, lockTry, l)) {
		t.Fatal("another child could not take the free lock")
	}

	p := startChild(t, ctx, lockMake, true)
	dead := waitOK(t, ctx, p) // the child has ended, holding it
	if lockOwner(dead) != p.Pid() {
		t.Fatalf("a lock returned locked: %v, want owner %d", dead, p.Pid())
	}
	var err error
	took := timed(func() { err = dead.LockContext(ctx) })
	if !errors.Is(err, mproc.ErrOwnerDead) {
		t.Fatalf("LockContext on a lock its dead creator held = %v", err)
	}
	within(t, "taking a dead holder's lock", took, 0, time.Second)
	if lockOwner(dead) != os.Getpid() {
		t.Fatalf("after ErrOwnerDead: %v", dead)
	}
	dead.Unlock()

	// TryLock takes a lock whose holder is dead, too.
	p = startChild(t, ctx, lockMake, true)
	dead = waitOK(t, ctx, p)
	if lockOwner(dead) != p.Pid() {
		t.Fatalf("a lock returned locked: %v, want owner %d", dead, p.Pid())
	}
	if !dead.TryLock() {
		t.Fatalf("TryLock on a lock whose holder is dead failed: %v", dead)
	}
	if lockOwner(dead) != os.Getpid() {
		t.Fatalf("after TryLock: %v", dead)
	}
	dead.Unlock()
}

// A child waiting in LockContext gets the lock, with ErrOwnerDead, when the
// child holding it is killed.
func testLockWaiterInChildGetsKilledHoldersLock(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l, trying := newLock(t), newEvent(t)
	holder := startChild(t, ctx, lockHold, lockHoldArg{L: l, Release: newEvent(t)})
	waitUntil(t, ctx, "the holder holds the lock", func() bool { return lockOwner(l) == holder.Pid() })
	w := startChild(t, ctx, lockWaiter, lockWaitArg{L: l, Trying: trying})
	if err := trying.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	holder.Kill()
	r := waitOK(t, ctx, w)
	if !r.OwnerDead {
		t.Fatal("the waiter got the lock of a killed holder without ErrOwnerDead")
	}
	within(t, "the waiter's acquisition after the kill", time.Unix(0, r.At).Sub(killed), 0, time.Second)
	if mproc.Locked(l) {
		t.Fatalf("the waiter released it, yet %v", l)
	}
}

// A waiter killed while it sleeps on the lock does not swallow the wake-up
// the next Unlock sends: the other waiter gets the lock.
func testLockKilledWaiterDoesNotSwallowWakeUp(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := newLock(t)
	l.Lock()
	t1, t2 := newEvent(t), newEvent(t)
	w1 := startChild(t, ctx, lockWaiter, lockWaitArg{L: l, Trying: t1})
	if err := t1.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	w2 := startChild(t, ctx, lockWaiter, lockWaitArg{L: l, Trying: t2})
	if err := t2.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	w1.Kill()
	if err := w1.Join(ctx); err != nil {
		t.Fatal(err)
	}
	unlocked := time.Now()
	l.Unlock()
	r := waitOK(t, ctx, w2)
	if r.OwnerDead {
		t.Fatal("ErrOwnerDead for a lock its holder released")
	}
	within(t, "the live waiter's acquisition after Unlock", time.Unix(0, r.At).Sub(unlocked), 0, time.Second)
}

// 100 times, with the same lock: a child takes it and is SIGKILLed; the
// next LockContext in this process gets it with ErrOwnerDead, within 100 ms
// of the kill on average and within a second every time (a loaded machine
// may not run this process for a while; the bound is on detecting the
// death, not on the scheduler). Every other round the waiter is already waiting when the
// child dies. Not parallel: the bound is on latency.
func TestLockOwnerDeathLoop(t *testing.T) {
	noChildLeft(t)
	ctx := ctxTimeout(t, 60*time.Second)
	const rounds = 100
	const bound, avgBound = time.Second, 100 * time.Millisecond
	l, never := newLock(t), newEvent(t)
	var worst, sum time.Duration
	began := time.Now()
	for i := range rounds {
		p := startChild(t, ctx, lockHold, lockHoldArg{L: l, Release: never})
		waitUntil(t, ctx, "the child holds the lock", func() bool { return lockOwner(l) == p.Pid() })
		var err error
		var took time.Duration
		if i%2 == 0 {
			took = timed(func() {
				p.Kill()
				err = l.LockContext(ctx)
			})
		} else {
			// Wait first (a short wait that times out proves the lock is
			// held and puts this process on the slow path), then kill.
			sctx, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
			if err := l.LockContext(sctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("round %d: a short wait on the held lock = %v", i, err)
			}
			cancel()
			res := make(chan error, 1)
			go func() { res <- l.LockContext(ctx) }()
			killed := time.Now()
			p.Kill()
			select {
			case err = <-res:
			case <-ctx.Done():
				t.Fatalf("round %d: the waiter never got the lock of the killed holder", i)
			}
			took = time.Since(killed)
		}
		if !errors.Is(err, mproc.ErrOwnerDead) {
			t.Fatalf("round %d: LockContext after the holder was killed = %v", i, err)
		}
		if took > bound {
			t.Errorf("round %d: took the dead holder's lock after %v, want at most %v", i, took, bound)
		}
		worst, sum = max(worst, took), sum+took
		if lockOwner(l) != os.Getpid() {
			t.Fatalf("round %d: after ErrOwnerDead: %v", i, l)
		}
		if err := p.Join(ctx); err != nil {
			t.Fatal(err)
		}
		if code, _ := p.ExitCode(); code != -9 {
			t.Fatalf("round %d: the killed holder's exit code = %d", i, code)
		}
		l.Unlock()
	}
	total := time.Since(began)
	t.Logf("%d rounds in %v; dead holder's lock taken after %v on average, %v at worst", rounds, total, sum/rounds, worst)
	if sum/rounds > avgBound {
		t.Errorf("the dead holder's lock was taken after %v on average, want at most %v", sum/rounds, avgBound)
	}
	if total > 30*time.Second {
		t.Errorf("%d rounds took %v", rounds, total)
	}
	if mproc.Locked(l) || !l.TryLock() {
		t.Fatalf("after the rounds: %v", l)
	}
	l.Unlock()
}

// Unlock wakes a waiter asleep on the lock at once, rather than leaving it
// to notice at its next poll of the holder (every 20 ms): over 15 handoffs
// to a child, the median is well under that. Not parallel: it measures
// latency.
func TestLockUnlockWakesSleepingWaiter(t *testing.T) {
	noChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	const rounds = 15
	l := newLock(t)
	var lat []time.Duration
	for i := range rounds {
		l.Lock()
		trying := newEvent(t)
		w := startChild(t, ctx, lockWaiter, lockWaitArg{L: l, Trying: trying})
		if err := trying.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		// Not synchronization: the waiter gets the lock either way. This
		// only lets it fall asleep on the futex, the case under test.
		time.Sleep(5 * time.Millisecond)
		unlocked := time.Now()
		l.Unlock()
		r := waitWithin(t, ctx, wakeBound, w)
		if r.OwnerDead {
			t.Fatalf("round %d: ErrOwnerDead from a lock released by a live holder", i)
		}
		lat = append(lat, time.Unix(0, r.At).Sub(unlocked))
	}
	slices.Sort(lat)
	t.Logf("handoff to a sleeping waiter in a child: median %v, worst %v", lat[rounds/2], lat[rounds-1])
	if lat[rounds/2] > 5*time.Millisecond {
		t.Fatalf("median handoff %v (all: %v): Unlock does not wake the sleeper", lat[rounds/2], lat)
	}
}

// The shared memory is memfd: creating and passing every kind of object
// leaves /dev/shm as it was, and this process's segments are memfds. Not
// parallel: it compares /dev/shm before and after.
func TestValueArrayLockMemfdNotDevShm(t *testing.T) {
	noChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	list := func() []string {
		ents, err := os.ReadDir("/dev/shm")
		if err != nil {
			t.Skipf("no /dev/shm: %v", err)
		}
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names
	}
	before := list()

	objs := everyObject(t)
	if got := waitOK(t, ctx, startChild(t, ctx, passEveryObject, objs)); got != "ok" {
		t.Fatalf("the child using every object: %s", got)
	}
	if objs.V.Load() != 1 || objs.A.Get(2) != 2.5 || objs.RV.Load() != [4]int32{1, 2, 3, 4} || !objs.E.IsSet() {
		t.Fatalf("the child's writes did not show: %v %v %v %v", objs.V, objs.A.Copy(), objs.RV, objs.E.IsSet())
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	memfds := 0
	for _, e := range fds {
		link, _ := os.Readlink("/proc/self/fd/" + e.Name())
		if isSegmentLink(link) {
			memfds++
		}
		if namedInDevShm(link) {
			t.Errorf("descriptor %s is on %s", e.Name(), link)
		}
	}
	if memfds < 9 {
		t.Errorf("%d memfd descriptors, want at least one per object (9)", memfds)
	}
	runtime.KeepAlive(objs)
	if after := list(); !slices.Equal(before, after) {
		t.Fatalf("/dev/shm changed:\nbefore %q\nafter  %q", before, after)
	}
}

// allObjects holds one of each kind of shared object.
type allObjects struct {
	L   *mproc.Lock
	RL  *mproc.RLock
	S   *mproc.Semaphore
	E   *mproc.Event
	C   *mproc.Condition
	B   *mproc.Barrier
	V   *mproc.Value[int64]
	A   *mproc.Array[float64]
	RV  *mproc.Value[[4]int32]
	Err string
}

func everyObject(t *testing.T) allObjects {
	t.Helper()
	s, err := mproc.NewSemaphore(1)
	if err != nil {
		t.Fatal(err)
	}
	c, err := mproc.NewCondition(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := mproc.NewBarrier(1)
	if err != nil {
		t.Fatal(err)
	}
	return allObjects{
		L: newLock(t), RL: newRLock(t), S: s, E: newEvent(t), C: c, B: b,
		V: newValue[int64](t, 0), A: newArray[float64](t, 3), RV: newRawValue(t, [4]int32{}),
	}
}

// passEveryObject uses each object once and returns "ok" or what failed.
var passEveryObject = mproc.Register[allObjects, string]("test.sync.passevery", func(ctx context.Context, o allObjects) string {
	var bad []string
	check := func(ok bool, what string) {
		if !ok {
			bad = append(bad, what)
		}
	}
	check(o.L.TryLock(), "Lock.TryLock")
	o.L.Unlock()
	check(o.RL.TryLock(), "RLock.TryLock")
	o.RL.Unlock()
	check(o.S.TryAcquire(), "Semaphore.TryAcquire")
	check(o.S.Release() == nil, "Semaphore.Release")
	o.E.Set()
	check(o.C.LockContext(ctx) == nil && o.C.NotifyAll() == nil, "Condition")
	o.C.Unlock()
	_, err := o.B.Wait(ctx)
	check(err == nil, "Barrier.Wait")
	o.V.Store(1)
	o.A.Set(2, 2.5)
	o.RV.Store([4]int32{1, 2, 3, 4})
	if len(bad) > 0 {
		return strings.Join(bad, ", ")
	}
	return "ok"
})
