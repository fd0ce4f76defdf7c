package mproc_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"mproc"
)

// rlockHoldArg: take L Depth times, set Held, wait for Release (never, for
// the children that are killed), then release it Depth times; one more
// Unlock must fail.
type rlockHoldArg struct {
	L       *mproc.RLock
	Depth   int
	Held    *mproc.Event
	Release *mproc.Event
}

// rlockProbe is what a child found when it tried an RLock.
type rlockProbe struct {
	TryLock  bool   // TryLock succeeded (and was undone)
	LockErr  string // what a 50ms Lock returned ("" for success, undone)
	UnlockNH bool   // Unlock of the lock it does not hold gave ErrNotHeld
}

var (
	rlockHold = mproc.Register[rlockHoldArg, mproc.None]("test.sync.rlock.hold", func(ctx context.Context, a rlockHoldArg) error {
		for i := range a.Depth {
			if err := a.L.Lock(ctx); err != nil && !errors.Is(err, mproc.ErrOwnerDead) {
				return fmt.Errorf("Lock %d: %w", i+1, err)
			}
		}
		a.Held.Set()
		if err := a.Release.Wait(ctx); err != nil {
			return err
		}
		for i := range a.Depth {
			if err := a.L.Unlock(ctx); err != nil {
				return fmt.Errorf("Unlock %d: %w", i+1, err)
			}
		}
		if err := a.L.Unlock(ctx); !errors.Is(err, mproc.ErrNotHeld) {
			return fmt.Errorf("one Unlock too many = %v", err)
		}
		return nil
	})

	rlockTry = mproc.Register[*mproc.RLock, rlockProbe]("test.sync.rlock.try", func(ctx context.Context, l *mproc.RLock) rlockProbe {
		var r rlockProbe
		if r.TryLock = l.TryLock(ctx); r.TryLock {
			l.Unlock(ctx)
		} else {
			r.UnlockNH = errors.Is(l.Unlock(ctx), mproc.ErrNotHeld)
		}
		lctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if err := l.Lock(lctx); err != nil {
			r.LockErr = err.Error()
		} else {
			l.Unlock(ctx)
		}
		return r
	})
)

func TestRLock(t *testing.T) {
	noChildLeft(t)
	parallel(t, "Reentrant", testRLockReentrant)
	parallel(t, "OtherOwnerWaits", testRLockOtherOwnerWaits)
	parallel(t, "ProcessIsTheDefaultOwner", testRLockProcessIsTheDefaultOwner)
	parallel(t, "TooManyUnlocks", testRLockTooManyUnlocks)
	parallel(t, "AcrossProcesses", testRLockAcrossProcesses)
	parallel(t, "ReentrantInChild", testRLockReentrantInChild)
}

// Locked three times by one owner, it takes three Unlocks to free it; until
// then another owner cannot have it.
func testRLockReentrant(t *testing.T) {
	ctx := ctxTimeout(t, 10*time.Second)
	l := newRLock(t)
	me, other := mproc.WithOwner(ctx), mproc.WithOwner(ctx)
	for i := range 3 {
		if err := l.Lock(me); err != nil {
			t.Fatalf("Lock %d: %v", i+1, err)
		}
	}
	if !l.TryLock(me) {
		t.Fatal("TryLock by the owner failed")
	}
	if err := l.Unlock(me); err != nil { // undo the TryLock
		t.Fatal(err)
	}
	for i := range 3 {
		if l.TryLock(other) {
			t.Fatalf("another owner took it with %d acquisitions left", 3-i)
		}
		if err := l.Unlock(me); err != nil {
			t.Fatalf("Unlock %d: %v", i+1, err)
		}
	}
	if !l.TryLock(other) {
		t.Fatal("after three Unlocks, another owner could not take it")
	}
	if err := l.Unlock(other); err != nil {
		t.Fatal(err)
	}
}

// An owner of this process (WithOwner) waits for another one: TryLock fails,
// a Lock with a deadline times out, and a Lock without one returns only
// after the holder's last Unlock.
func testRLockOtherOwnerWaits(t *testing.T) {
	ctx := ctxTimeout(t, 10*time.Second)
	l := newRLock(t)
	a, b := mproc.WithOwner(ctx), mproc.WithOwner(ctx)
	if err := l.Lock(a); err != nil {
		t.Fatal(err)
	}
	if err := l.Lock(a); err != nil {
		t.Fatal(err)
	}
	if l.TryLock(b) {
		t.Fatal("TryLock by another owner succeeded")
	}
	var err error
	took := timed(func() {
		dctx, cancel := context.WithTimeout(b, 50*time.Millisecond)
		defer cancel()
		err = l.Lock(dctx)
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock by another owner with a deadline = %v", err)
	}
	within(t, "Lock with a 50ms deadline", took, 50*time.Millisecond, 2*time.Second)

	var released atomic.Bool
	got := make(chan error, 1)
	go func() {
		err := l.Lock(b)
		if !released.Load() {
			err = errors.Join(err, errors.New("got the lock before the holder's last Unlock"))
		}
		got <- err
	}()
	if err := l.Unlock(a); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		t.Fatalf("the other owner got the lock with one acquisition left: %v", err)
	default:
	}
	released.Store(true)
	if err := l.Unlock(a); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("the waiting owner never got the lock")
	}
	if err := l.Unlock(a); !errors.Is(err, mproc.ErrNotHeld) {
		t.Fatalf("Unlock by the former owner = %v", err)
	}
	if err := l.Unlock(b); err != nil {
		t.Fatal(err)
	}
}

// Without WithOwner the owner is the process: any goroutine re-enters.
func testRLockProcessIsTheDefaultOwner(t *testing.T) {
	ctx := ctxTimeout(t, 10*time.Second)
	l := newRLock(t)
	if err := l.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	res := make(chan bool)
	go func() { res <- l.TryLock(context.Background()) }()
	if !<-res {
		t.Fatal("another goroutine of the owning process could not re-enter")
	}
	go func() { res <- l.Unlock(context.Background()) == nil }()
	if !<-res {
		t.Fatal("another goroutine of the owning process could not release")
	}
	if l.TryLock(mproc.WithOwner(ctx)) {
		t.Fatal("a WithOwner owner took it while the process holds it")
	}
	if err := l.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}

// More Unlocks than Locks, or an Unlock by an owner that does not hold it,
// give ErrNotHeld and change nothing.
func testRLockTooManyUnlocks(t *testing.T) {
	ctx := ctxTimeout(t, 10*time.Second)
	l := newRLock(t)
	if err := l.Unlock(ctx); !errors.Is(err, mproc.ErrNotHeld) {
		t.Fatalf("Unlock of a new RLock = %v", err)
	}
	a, b := mproc.WithOwner(ctx), mproc.WithOwner(ctx)
	for range 2 {
		if err := l.Lock(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Unlock(b); !errors.Is(err, mproc.ErrNotHeld) {
		t.Fatalf("Unlock by an owner that does not hold it = %v", err)
	}
	if err := l.Unlock(ctx); !errors.Is(err, mproc.ErrNotHeld) {
		t.Fatalf("Unlock by the process owner while a WithOwner owner holds it = %v", err)
	}
	for i := range 2 {
		if err := l.Unlock(a); err != nil {
			t.Fatalf("Unlock %d: %v (the failed Unlocks changed the count)", i+1, err)
		}
	}
	if err := l.Unlock(a); !errors.Is(err, mproc.ErrNotHeld) {
		t.Fatalf("a third Unlock after two Locks = %v", err)
	}
	if !l.TryLock(b) {
		t.Fatal("not free after the balanced Unlocks")
	}
	l.Unlock(b)
}

// A child cannot take the RLock the parent holds (TryLock false, a Lock with
// a deadline times out, its Unlock is ErrNotHeld), and can once it is free.
func testRLockAcrossProcesses(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := newRLock(t)
	if err := l.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	r := waitOK(t, ctx, startChild(t, ctx, rlockTry, l))
	if r.TryLock || !r.UnlockNH || r.LockErr != context.DeadlineExceeded.Error() {
		t.Fatalf("a child while the parent holds the RLock: %+v", r)
	}
	if err := l.Unlock(ctx); err != nil {
		t.Fatalf("the parent's Unlock after the child's attempts: %v", err)
	}
	r = waitOK(t, ctx, startChild(t, ctx, rlockTry, l))
	if !r.TryLock || r.LockErr != "" {
		t.Fatalf("a child with the RLock free: %+v", r)
	}
}

// A child takes the RLock twice: the parent waits; once the child released
// it twice (and failed a third time) it is free.
func testRLockReentrantInChild(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l, held, rel := newRLock(t), newEvent(t), newEvent(t)
	p := startChild(t, ctx, rlockHold, rlockHoldArg{L: l, Depth: 2, Held: held, Release: rel})
	if err := held.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("<RLock(owner=%d, count=2)>", p.Pid()); l.String() != want {
		t.Fatalf("held twice by a child: %v, want %s", l, want)
	}
	if l.TryLock(ctx) {
		t.Fatal("the parent took the RLock a child holds")
	}
	dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	err := l.Lock(dctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the parent's Lock with a deadline while a child holds it = %v", err)
	}
	rel.Set()
	waitWithin(t, ctx, wakeBound, p)
	if !l.TryLock(ctx) {
		t.Fatal("not free after the child's Unlocks")
	}
	l.Unlock(ctx)
}

// A few times, with the same RLock: a child that holds it (twice) is
// SIGKILLed; the parent's Lock gets it within 100 ms with ErrOwnerDead,
// held once: one Unlock frees it. Not parallel: the bound is on latency.
func TestRLockOwnerDeath(t *testing.T) {
	noChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	l, never := newRLock(t), newEvent(t)
	for i := range 5 {
		held := newEvent(t)
		p := startChild(t, ctx, rlockHold, rlockHoldArg{L: l, Depth: 2, Held: held, Release: never})
		if err := held.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		var err error
		took := timed(func() {
			p.Kill()
			err = l.Lock(ctx)
		})
		if !errors.Is(err, mproc.ErrOwnerDead) {
			t.Fatalf("round %d: Lock after the holder was killed = %v", i, err)
		}
		if took > 100*time.Millisecond {
			t.Errorf("round %d: took the dead holder's RLock after %v", i, took)
		}
		if want := fmt.Sprintf("<RLock(owner=%d, count=1)>", os.Getpid()); l.String() != want {
			t.Fatalf("round %d: after ErrOwnerDead: %v, want %s", i, l, want)
		}
		if l.TryLock(mproc.WithOwner(ctx)) {
			t.Fatalf("round %d: another owner took it after ErrOwnerDead", i)
		}
		if err := l.Unlock(ctx); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if err := l.Unlock(ctx); !errors.Is(err, mproc.ErrNotHeld) {
			t.Fatalf("round %d: the dead holder's count was kept: a second Unlock = %v", i, err)
		}
		if err := p.Join(ctx); err != nil {
			t.Fatal(err)
		}
	}
	other := mproc.WithOwner(ctx)
	if s := l.String(); s != "<RLock(unlocked)>" {
		t.Fatalf("after the rounds: %s", s)
	}
	if !l.TryLock(other) {
		t.Fatal("not free after the rounds")
	}
	l.Unlock(other)
}
