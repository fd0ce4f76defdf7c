package mproc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"mproc"
)

type eventWaitArg struct {
	E       *mproc.Event
	Ready   *mproc.Value[int32] // counts the waiters about to wait
	Timeout time.Duration
}

var (
	eventSet   = mproc.Register[*mproc.Event, mproc.None]("test.sync.event.set", func(e *mproc.Event) { e.Set() })
	eventClear = mproc.Register[*mproc.Event, mproc.None]("test.sync.event.clear", func(e *mproc.Event) { e.Clear() })
	eventIsSet = mproc.Register[*mproc.Event, bool]("test.sync.event.isset", func(e *mproc.Event) bool { return e.IsSet() })

	// eventWait waits for E at most Timeout and reports IsSet afterwards.
	eventWait = mproc.Register[eventWaitArg, bool]("test.sync.event.wait", func(ctx context.Context, a eventWaitArg) (bool, error) {
		ctx, cancel := context.WithTimeout(ctx, a.Timeout)
		defer cancel()
		if a.Ready != nil {
			a.Ready.Add(1)
		}
		err := a.E.Wait(ctx)
		return a.E.IsSet(), err
	})
)

func TestEvent(t *testing.T) {
	noChildLeft(t)
	parallel(t, "SetClearIsSet", testEventSetClearIsSet)
	parallel(t, "SetInChildWakesParent", testEventSetInChildWakesParent)
	parallel(t, "WaitDeadline", testEventWaitDeadline)
	parallel(t, "ManyWaitersWakeOnOneSet", testEventManyWaiters)
}

// Set, Clear and IsSet, seen from both sides.
func testEventSetClearIsSet(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	e := newEvent(t)
	if e.IsSet() {
		t.Fatal("a new Event is set")
	}
	if waitOK(t, ctx, startChild(t, ctx, eventIsSet, e)) {
		t.Fatal("a child sees a new Event set")
	}
	e.Set()
	e.Set() // twice is fine
	if !e.IsSet() {
		t.Fatal("not set after Set")
	}
	if !waitOK(t, ctx, startChild(t, ctx, eventIsSet, e)) {
		t.Fatal("a child does not see the Set")
	}
	// Wait on a set event returns at once, even with an ended ctx.
	if err := e.Wait(expired()); err != nil {
		t.Fatalf("Wait on a set Event with a cancelled ctx = %v", err)
	}
	waitOK(t, ctx, startChild(t, ctx, eventClear, e))
	if e.IsSet() {
		t.Fatal("still set after a child's Clear")
	}
	e.Clear()
	if e.IsSet() {
		t.Fatal("set after a second Clear")
	}
}

// A Set in a child wakes this process's Wait.
func testEventSetInChildWakesParent(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	e := newEvent(t)
	got := make(chan error, 1)
	go func() { got <- e.Wait(ctx) }()
	waitOK(t, ctx, startChild(t, ctx, eventSet, e))
	if err := receive(t, got, wakeBound, "Wait after the child's Set"); err != nil {
		t.Fatal(err)
	}
}

// Wait with a deadline returns ctx's error after about the deadline, here
// and in a child (where the error crosses as itself).
func testEventWaitDeadline(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	e := newEvent(t)
	const d = 150 * time.Millisecond
	var err error
	took := timed(func() {
		dctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		err = e.Wait(dctx)
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait with a deadline = %v", err)
	}
	within(t, "Wait with a 150ms deadline", took, d, d+2*time.Second)
	took = timed(func() { err = e.Wait(expired()) })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait with a cancelled ctx = %v", err)
	}
	within(t, "Wait with a cancelled ctx", took, 0, time.Second)

	set, err := startChild(t, ctx, eventWait, eventWaitArg{E: e, Timeout: d}).Wait(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a child's Wait with a deadline = %v, %v", set, err)
	}
	if e.IsSet() {
		t.Fatal("set after the failed Waits")
	}
}

// Five children and two goroutines wait; one Set wakes them all.
func testEventManyWaiters(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	e, ready := newEvent(t), newValue[int32](t, 0)
	const n = 5
	var ps []*mproc.Proc[bool]
	for range n {
		ps = append(ps, startChild(t, ctx, eventWait, eventWaitArg{E: e, Ready: ready, Timeout: 20 * time.Second}))
	}
	got := make(chan error, 2)
	for range 2 {
		go func() {
			ready.Add(1)
			got <- e.Wait(ctx)
		}()
	}
	waitUntil(t, ctx, "the waiters are about to wait", func() bool { return ready.Load() == n+2 })
	e.Set()
	for _, p := range ps {
		if !waitWithin(t, ctx, wakeBound, p) {
			t.Fatal("a waiter woke with the event clear")
		}
	}
	for range 2 {
		if err := receive(t, got, wakeBound, "a goroutine's Wait after Set"); err != nil {
			t.Fatal(err)
		}
	}
}

type pingPongArg struct {
	E1, E2 *mproc.Event
	N      int
}

// pong answers each Set of E1 with a Set of E2 and returns how many times;
// a spurious return from Wait makes it finish early.
var pong = mproc.Register[pingPongArg, int]("test.sync.event.pong", func(ctx context.Context, a pingPongArg) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for i := range a.N {
		if err := a.E1.Wait(ctx); err != nil {
			return i, err
		}
		a.E1.Clear()
		a.E2.Set()
	}
	return a.N, nil
})

// CPython's event ping-pong: every Wait returns for its own Set, never
// early, never lost.
func TestEventPingPong(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	e1, _ := mproc.NewEvent()
	e2, _ := mproc.NewEvent()
	const n = 5000
	p, err := pong.Start(ctx, pingPongArg{e1, e2, n})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		e1.Set()
		if err := e2.Wait(ctx); err != nil {
			t.Fatalf("round %d: %v (e1 set %v, e2 set %v)", i, err, e1.IsSet(), e2.IsSet())
		}
		e2.Clear()
		if i < n-1 && e2.IsSet() {
			t.Fatalf("round %d: e2 set again before e1", i)
		}
	}
	got, err := p.Wait(ctx)
	if err != nil || got != n {
		t.Fatalf("pong answered %d of %d: %v", got, n, err)
	}
}
