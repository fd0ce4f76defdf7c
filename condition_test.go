package mproc_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"mproc"
)

// condWaitArg: take C's lock, count in Ready, Wait (at most Timeout); if
// notified, count in Woken and write ID+1 into Order at its place in the
// order of wake-ups (under the lock, so the places do not collide).
type condWaitArg struct {
	C       *mproc.Condition
	ID      int32
	Ready   *mproc.Value[int32]
	Woken   *mproc.Value[int32]
	Order   *mproc.Array[int32]
	Timeout time.Duration
}

// condWaitLoop is a waiter, in a child or a goroutine.
func condWaitLoop(ctx context.Context, a condWaitArg) error {
	ctx, cancel := context.WithTimeout(ctx, a.Timeout)
	defer cancel()
	if err := a.C.LockContext(ctx); err != nil {
		return err
	}
	a.Ready.Add(1)
	err := a.C.Wait(ctx)
	if err == nil {
		k := a.Woken.Add(1)
		a.Order.Set(int(k-1), a.ID+1)
	}
	a.C.Unlock()
	return err
}

// condBumpArg: N times, take C's lock, add one to V, NotifyAll (unless
// Quiet), release.
type condBumpArg struct {
	C     *mproc.Condition
	V     *mproc.Value[int64]
	N     int
	Quiet bool
}

var (
	condWaiter = mproc.Register[condWaitArg, mproc.None]("test.sync.cond.waiter", condWaitLoop)

	condBump = mproc.Register[condBumpArg, mproc.None]("test.sync.cond.bump", func(ctx context.Context, a condBumpArg) error {
		for range a.N {
			if err := a.C.LockContext(ctx); err != nil {
				return err
			}
			a.V.Add(1)
			if !a.Quiet {
				if err := a.C.NotifyAll(); err != nil {
					return err
				}
			}
			a.C.Unlock()
		}
		return nil
	})

	// condNotifyUnheld calls Notify without the lock and returns its error.
	condNotifyUnheld = mproc.Register[*mproc.Condition, mproc.None]("test.sync.cond.notifyunheld", func(c *mproc.Condition) error {
		return c.Notify(1)
	})
)

// condSetup is a condition and the counters of its waiters.
type condSetup struct {
	c            *mproc.Condition
	ready, woken *mproc.Value[int32]
	order        *mproc.Array[int32]
}

func newCondSetup(t *testing.T, lock mproc.SharedLock, waiters int) condSetup {
	t.Helper()
	c, err := mproc.NewCondition(lock)
	if err != nil {
		t.Fatal(err)
	}
	return condSetup{c: c, ready: newValue[int32](t, 0), woken: newValue[int32](t, 0), order: newArray[int32](t, waiters)}
}

func (s condSetup) arg(id int32, timeout time.Duration) condWaitArg {
	return condWaitArg{C: s.c, ID: id, Ready: s.ready, Woken: s.woken, Order: s.order, Timeout: timeout}
}

// startWaiters starts n waiting children one after the other: each is in
// the condition's queue before the next one starts, so the queue's order is
// their ID order. (A waiter counts itself Ready with the lock held, and
// lets the lock go only inside Wait, once queued: so when Ready says n, and
// this process holds the lock, all n are queued.)
func (s condSetup) startWaiters(t *testing.T, ctx context.Context, first, n int32) []*mproc.Proc[mproc.None] {
	t.Helper()
	var ps []*mproc.Proc[mproc.None]
	for id := first; id < first+n; id++ {
		ps = append(ps, startChild(t, ctx, condWaiter, s.arg(id, 20*time.Second)))
		waitUntil(t, ctx, fmt.Sprintf("waiter %d is queued", id), func() bool { return s.ready.Load() == id+1 })
	}
	return ps
}

// notify runs Notify(n) (NotifyAll for n < 0) with the lock held.
func (s condSetup) notify(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	if err := s.c.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	var err error
	if n < 0 {
		err = s.c.NotifyAll()
	} else {
		err = s.c.Notify(n)
	}
	if err != nil {
		t.Fatal(err)
	}
	s.c.Unlock()
}

// woken is the IDs of the waiters woken so far, in the order they woke.
func (s condSetup) wokenIDs() []int32 {
	var ids []int32
	for _, v := range s.order.Copy() {
		if v != 0 {
			ids = append(ids, v-1)
		}
	}
	return ids
}

func TestCondition(t *testing.T) {
	noChildLeft(t)
	parallel(t, "NotifyOneWakesExactlyOne", testConditionNotifyOne)
	parallel(t, "NotifyNWakesN", testConditionNotifyN)
	parallel(t, "ChildNotifiesParent", testConditionChildNotifiesParent)
	parallel(t, "GoroutinesAndChildren", testConditionGoroutinesAndChildren)
	parallel(t, "GoroutineOwnersOnRLock", testConditionGoroutineOwners)
	parallel(t, "WaitDeadlineKeepsLock", testConditionWaitDeadline)
	parallel(t, "WaitDeadlineKeepsRLockCount", testConditionWaitDeadlineRLock)
	parallel(t, "GaveUpWaiterIsSkipped", testConditionGaveUpWaiterSkipped)
	parallel(t, "KilledWaiterIsSkipped", testConditionKilledWaiterSkipped)
	parallel(t, "WaitFor", testConditionWaitFor)
	parallel(t, "WaitForDeadline", testConditionWaitForDeadline)
	parallel(t, "WaitForTrueAtDeadline", testConditionWaitForTrueAtDeadline)
	parallel(t, "NotHeld", testConditionNotHeld)
}

// Three children wait; Notify(1) wakes exactly one, the oldest; NotifyAll
// then wakes exactly the other two.
func testConditionNotifyOne(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	s := newCondSetup(t, nil, 3)
	ps := s.startWaiters(t, ctx, 0, 3)
	s.notify(t, ctx, 1)
	soon(t, ctx, "one waiter woke", func() bool { return s.woken.Load() >= 1 })
	stays(t, 150*time.Millisecond, "one woken waiter after Notify(1)", func() bool { return s.woken.Load() == 1 })
	if ids := s.wokenIDs(); !slices.Equal(ids, []int32{0}) {
		t.Fatalf("Notify(1) woke %v, want the oldest waiter [0]", ids)
	}
	for _, p := range ps {
		if alive, _ := p.IsAlive(); !alive && p != ps[0] {
			t.Fatalf("%v ended before NotifyAll", p)
		}
	}
	s.notify(t, ctx, -1)
	for _, p := range ps {
		waitWithin(t, ctx, wakeBound, p)
	}
	ids := s.wokenIDs()
	if len(ids) != 3 || ids[0] != 0 {
		t.Fatalf("woken in all: %v", ids)
	}
	slices.Sort(ids[1:])
	if !slices.Equal(ids, []int32{0, 1, 2}) {
		t.Fatalf("woken in all: %v, want 0 then 1 and 2", ids)
	}
}

// Five children wait; Notify(2) wakes the two oldest; Notify(10) the rest.
func testConditionNotifyN(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	s := newCondSetup(t, nil, 5)
	ps := s.startWaiters(t, ctx, 0, 5)
	s.notify(t, ctx, 2)
	soon(t, ctx, "two waiters woke", func() bool { return s.woken.Load() >= 2 })
	stays(t, 150*time.Millisecond, "two woken waiters after Notify(2)", func() bool { return s.woken.Load() == 2 })
	ids := s.wokenIDs()
	slices.Sort(ids)
	if !slices.Equal(ids, []int32{0, 1}) {
		t.Fatalf("Notify(2) woke %v, want the oldest two [0 1]", ids)
	}
	s.notify(t, ctx, 10) // more than wait
	for _, p := range ps {
		waitWithin(t, ctx, wakeBound, p)
	}
	if w := s.woken.Load(); w != 5 {
		t.Fatalf("%d woken in all", w)
	}
	s.notify(t, ctx, 1) // nobody waits: nothing happens
	s.notify(t, ctx, -1)
}

// This process waits; a child takes the lock (free during Wait), changes
// the state and notifies; Wait returns with the lock held again.
func testConditionChildNotifiesParent(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	for _, lock := range []mproc.SharedLock{newLock(t), newRLock(t)} {
		c, err := mproc.NewCondition(lock)
		if err != nil {
			t.Fatal(err)
		}
		v := newValue[int64](t, 0)
		if err := c.LockContext(ctx); err != nil {
			t.Fatal(err)
		}
		p := startChild(t, ctx, condBump, condBumpArg{C: c, V: v, N: 1}) // blocks in LockContext until we Wait
		wctx, cancel := context.WithTimeout(ctx, wakeBound)
		for v.Load() == 0 {
			if err := c.Wait(wctx); err != nil {
				t.Fatalf("%T: Wait = %v", lock, err)
			}
		}
		cancel()
		c.Unlock()
		waitOK(t, ctx, p)
	}
}

// Goroutines of this process and children wait on a condition over a Lock;
// a child's NotifyAll wakes them all, and a goroutine's Notify wakes a child.
func testConditionGoroutinesAndChildren(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	s := newCondSetup(t, newLock(t), 5)
	ps := s.startWaiters(t, ctx, 0, 2)
	errs := make(chan error, 2)
	for id := int32(2); id < 4; id++ {
		go func() { errs <- condWaitLoop(ctx, s.arg(id, 20*time.Second)) }()
	}
	waitUntil(t, ctx, "four waiters queued", func() bool { return s.ready.Load() == 4 })
	waitOK(t, ctx, startChild(t, ctx, condBump, condBumpArg{C: s.c, V: newValue[int64](t, 0), N: 1}))
	for _, p := range ps {
		waitWithin(t, ctx, wakeBound, p)
	}
	for range 2 {
		if err := receive(t, errs, wakeBound, "a goroutine waiter after NotifyAll"); err != nil {
			t.Fatal(err)
		}
	}
	// A child waits; a goroutine notifies it.
	p := startChild(t, ctx, condWaiter, s.arg(4, 20*time.Second))
	waitUntil(t, ctx, "the fifth waiter queued", func() bool { return s.ready.Load() == 5 })
	done := make(chan struct{})
	go func() {
		defer close(done)
		if s.c.LockContext(ctx) == nil {
			s.c.Notify(1)
			s.c.Unlock()
		}
	}()
	<-done
	waitWithin(t, ctx, wakeBound, p)
	ids := s.wokenIDs()
	slices.Sort(ids)
	if !slices.Equal(ids, []int32{0, 1, 2, 3, 4}) {
		t.Fatalf("woken: %v", ids)
	}
}

// On an RLock, goroutines with their own owners (NewOwner) exclude each
// other, wait and are woken like processes.
func testConditionGoroutineOwners(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	s := newCondSetup(t, nil, 3)
	errs := make(chan error, 3)
	for id := range int32(3) {
		go func() {
			a := s.arg(id, 20*time.Second)
			a.C = a.C.NewOwner()
			errs <- condWaitLoop(ctx, a)
		}()
	}
	waitUntil(t, ctx, "three goroutines queued", func() bool { return s.ready.Load() == 3 })
	me := s.c.NewOwner()
	if err := me.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	if err := me.Notify(1); err != nil {
		t.Fatal(err)
	}
	me.Unlock()
	if err := receive(t, errs, wakeBound, "a goroutine waiter after Notify(1)"); err != nil {
		t.Fatal(err)
	}
	stays(t, 100*time.Millisecond, "one woken goroutine after Notify(1)", func() bool { return s.woken.Load() == 1 })
	if err := me.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	if err := me.NotifyAll(); err != nil {
		t.Fatal(err)
	}
	me.Unlock()
	for range 2 {
		if err := receive(t, errs, wakeBound, "a goroutine waiter after NotifyAll"); err != nil {
			t.Fatal(err)
		}
	}
}

// Wait with a deadline returns ctx's error (CPython's False) after about the
// deadline, with the lock held again.
func testConditionWaitDeadline(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := newLock(t)
	c, err := mproc.NewCondition(l)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	const d = 100 * time.Millisecond
	took := timed(func() {
		dctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		err = c.Wait(dctx)
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait with a deadline = %v", err)
	}
	within(t, "Wait with a 100ms deadline", took, d, d+2*time.Second)
	if lockOwner(l) != os.Getpid() {
		t.Fatalf("after Wait timed out: %v, want held by this process", l)
	}
	if waitOK(t, ctx, startChild(t, ctx, lockTry, l)) {
		t.Fatal("a child took the lock Wait should hold again")
	}
	// An ended ctx: the same, at once.
	took = timed(func() { err = c.Wait(expired()) })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait with a cancelled ctx = %v", err)
	}
	within(t, "Wait with a cancelled ctx", took, 0, time.Second)
	c.Unlock()
	if mproc.Locked(l) {
		t.Fatalf("after Release: %v", l)
	}
}

// On an RLock taken twice, Wait releases it completely (a child can notify)
// and takes it back twice, also when it times out.
func testConditionWaitDeadlineRLock(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := newRLock(t)
	c, err := mproc.NewCondition(l)
	if err != nil {
		t.Fatal(err)
	}
	other := l.NewOwner()
	for range 2 {
		if err := c.LockContext(ctx); err != nil {
			t.Fatal(err)
		}
	}
	dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	err = c.Wait(dctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait with a deadline = %v", err)
	}
	if other.TryLock() {
		t.Fatal("another owner took the RLock after Wait timed out")
	}
	// Notified by a child this time.
	v := newValue[int64](t, 0)
	p := startChild(t, ctx, condBump, condBumpArg{C: c, V: v, N: 1})
	wctx, cancel := context.WithTimeout(ctx, wakeBound)
	for v.Load() == 0 {
		if err := c.Wait(wctx); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	waitOK(t, ctx, p)
	for range 2 {
		c.Unlock() // panics if Wait did not restore the count
	}
	unlockPanics(t, "a third Unlock", c.Unlock)
	if !other.TryLock() {
		t.Fatal("the RLock is not free at the end")
	}
	other.Unlock()
}

// A waiter that gave up (its deadline passed) does not take a later
// Notify(1): the live waiter queued behind it gets it. The one that gave up
// is a goroutine of this process (alive, so only its slot's state says it
// left), then a child (which has ended since).
func testConditionGaveUpWaiterSkipped(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	s := newCondSetup(t, nil, 4)
	if err := condWaitLoop(ctx, s.arg(0, 100*time.Millisecond)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a waiter in this process with a deadline = %v", err)
	}
	ps := s.startWaiters(t, ctx, 1, 1)
	s.notify(t, ctx, 1)
	waitWithin(t, ctx, wakeBound, ps[0])
	if ids := s.wokenIDs(); !slices.Equal(ids, []int32{1}) {
		t.Fatalf("woken: %v, want [1]", ids)
	}

	_, err := startChild(t, ctx, condWaiter, s.arg(2, 100*time.Millisecond)).Wait(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a waiting child with a deadline = %v", err)
	}
	ps = s.startWaiters(t, ctx, 3, 1)
	s.notify(t, ctx, 1)
	waitWithin(t, ctx, wakeBound, ps[0])
	if ids := s.wokenIDs(); !slices.Equal(ids, []int32{1, 3}) {
		t.Fatalf("woken: %v, want [1 3]", ids)
	}
}

// A waiter that was killed is skipped by Notify(1): the live waiter queued
// behind it gets the notification.
func testConditionKilledWaiterSkipped(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	s := newCondSetup(t, nil, 3)
	ps := s.startWaiters(t, ctx, 0, 2)
	ps[0].Kill()
	if err := ps[0].Join(ctx); err != nil {
		t.Fatal(err)
	}
	s.notify(t, ctx, 1)
	waitWithin(t, ctx, wakeBound, ps[1])
	if ids := s.wokenIDs(); !slices.Equal(ids, []int32{1}) {
		t.Fatalf("woken: %v, want [1]", ids)
	}
}

// WaitFor returns once its predicate holds, checked with the lock held:
// three children each add one and notify.
func testConditionWaitFor(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	c, err := mproc.NewCondition(nil)
	if err != nil {
		t.Fatal(err)
	}
	v := newValue[int64](t, 0)
	if err := c.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	var ps []*mproc.Proc[mproc.None]
	for range 3 {
		ps = append(ps, startChild(t, ctx, condBump, condBumpArg{C: c, V: v, N: 1})) // they wait for the lock
	}
	calls := 0
	wctx, cancel := context.WithTimeout(ctx, 2*wakeBound)
	defer cancel()
	if err := c.WaitFor(wctx, func() bool { calls++; return v.Load() == 3 }); err != nil {
		t.Fatalf("WaitFor = %v", err)
	}
	if got := v.Load(); got != 3 {
		t.Fatalf("WaitFor returned with the value at %d", got)
	}
	if calls < 2 {
		t.Fatalf("the predicate was checked %d times: WaitFor did not wait", calls)
	}
	c.Unlock()
	for _, p := range ps {
		waitOK(t, ctx, p)
	}
	// A predicate that already holds: no wait at all, even with an ended ctx.
	if err := c.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitFor(expired(), func() bool { return true }); err != nil {
		t.Fatalf("WaitFor with a true predicate = %v", err)
	}
	c.Unlock()
}

// WaitFor whose deadline passes returns nil if the predicate holds by then,
// even though nobody notified (CPython's wait_for returns the predicate's
// last value).
func testConditionWaitForTrueAtDeadline(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	c, err := mproc.NewCondition(nil)
	if err != nil {
		t.Fatal(err)
	}
	v := newValue[int64](t, 0)
	if err := c.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	startChild(t, ctx, condBump, condBumpArg{C: c, V: v, N: 1, Quiet: true}) // adds once we Wait, tells nobody
	const d = 300 * time.Millisecond
	took := timed(func() {
		dctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		err = c.WaitFor(dctx, func() bool { return v.Load() == 1 })
	})
	if err != nil {
		t.Fatalf("WaitFor whose predicate held at the deadline = %v", err)
	}
	within(t, "WaitFor without a notification", took, d, d+2*time.Second)
	c.Unlock()
}

// WaitFor whose predicate never holds returns ctx's error after about the
// deadline, with the lock held again.
func testConditionWaitForDeadline(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := newLock(t)
	c, err := mproc.NewCondition(l)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	const d = 100 * time.Millisecond
	took := timed(func() {
		dctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		err = c.WaitFor(dctx, func() bool { return false })
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFor of a false predicate = %v", err)
	}
	within(t, "WaitFor with a 100ms deadline", took, d, d+2*time.Second)
	if lockOwner(l) != os.Getpid() {
		t.Fatalf("after WaitFor timed out: %v", l)
	}
	c.Unlock()
}

// Notify, NotifyAll and Wait without the lock give ErrNotHeld, here (also
// while a child holds the lock) and in a child.
func testConditionNotHeld(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := newLock(t)
	c, err := mproc.NewCondition(l)
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		if err := c.Notify(1); !errors.Is(err, mproc.ErrNotHeld) {
			t.Fatalf("%s: Notify = %v", when, err)
		}
		if err := c.NotifyAll(); !errors.Is(err, mproc.ErrNotHeld) {
			t.Fatalf("%s: NotifyAll = %v", when, err)
		}
		if err := c.Wait(ctx); !errors.Is(err, mproc.ErrNotHeld) {
			t.Fatalf("%s: Wait = %v", when, err)
		}
		if err := c.WaitFor(ctx, func() bool { return false }); !errors.Is(err, mproc.ErrNotHeld) {
			t.Fatalf("%s: WaitFor = %v", when, err)
		}
	}
	check("lock free")
	rel := newEvent(t)
	p := startChild(t, ctx, lockHold, lockHoldArg{L: l, Release: rel})
	waitUntil(t, ctx, "the child holds the lock", func() bool { return lockOwner(l) == p.Pid() })
	check("lock held by a child")
	rel.Set()
	waitOK(t, ctx, p)
	_, err = startChild(t, ctx, condNotifyUnheld, c).Wait(ctx)
	if !errors.Is(err, mproc.ErrNotHeld) {
		t.Fatalf("a child's Notify without the lock = %v", err)
	}
	// RLock: held by another owner of this process is not held.
	rc, err := mproc.NewCondition(nil)
	if err != nil {
		t.Fatal(err)
	}
	other := rc.NewOwner()
	if err := other.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rc.NewOwner().Wait(ctx); !errors.Is(err, mproc.ErrNotHeld) {
		t.Fatalf("Wait by an owner that does not hold the RLock = %v", err)
	}
	other.Unlock()
}
