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
			if err := a.L.LockContext(ctx); err != nil && !errors.Is(err, mproc.ErrOwnerDead) {
				return fmt.Errorf("Lock %d: %w", i+1, err)
			}
		}
		a.Held.Set()
		if err := a.Release.Wait(ctx); err != nil {
			return err
		}
		for range a.Depth {
			a.L.Unlock()
		}
		if err := recoverUnlock(a.L); !errors.Is(err, mproc.ErrNotHeld) {
			return fmt.Errorf("one Unlock too many = %v", err)
		}
		return nil
	})

	rlockTry = mproc.Register[*mproc.RLock, rlockProbe]("test.sync.rlock.try", func(ctx context.Context, l *mproc.RLock) rlockProbe {
		var r rlockProbe
		if r.TryLock = l.TryLock(); r.TryLock {
			l.Unlock()
		} else {
			r.UnlockNH = errors.Is(recoverUnlock(l), mproc.ErrNotHeld)
		}
		lctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if err := l.LockContext(lctx); err != nil {
			r.LockErr = err.Error()
		} else {
			l.Unlock()
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
	me, other := l.NewOwner(), l.NewOwner()
	for i := range 3 {
		if err := me.LockContext(ctx); err != nil {
			t.Fatalf("Lock %d: %v", i+1, err)
		}
	}
	if !me.TryLock() {
		t.Fatal("TryLock by the owner failed")
	}
	me.Unlock()
	for i := range 3 {
		if other.TryLock() {
			t.Fatalf("another owner took it with %d acquisitions left", 3-i)
		}
		me.Unlock()
	}
	if !other.TryLock() {
		t.Fatal("after three Unlocks, another owner could not take it")
	}
	other.Unlock()
}

// An owner of this process (NewOwner) waits for another one: TryLock fails,
// a Lock with a deadline times out, and a Lock without one returns only
// after the holder's last Unlock.
func testRLockOtherOwnerWaits(t *testing.T) {
	ctx := ctxTimeout(t, 10*time.Second)
	l := newRLock(t)
	a, b := l.NewOwner(), l.NewOwner()
	if err := a.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	if b.TryLock() {
		t.Fatal("TryLock by another owner succeeded")
	}
	var err error
	took := timed(func() {
		dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		err = b.LockContext(dctx)
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock by another owner with a deadline = %v", err)
	}
	within(t, "Lock with a 50ms deadline", took, 50*time.Millisecond, 2*time.Second)

	var released atomic.Bool
	got := make(chan error, 1)
	go func() {
		err := b.LockContext(ctx)
		if !released.Load() {
			err = errors.Join(err, errors.New("got the lock before the holder's last Unlock"))
		}
		got <- err
	}()
	a.Unlock()
	select {
	case err := <-got:
		t.Fatalf("the other owner got the lock with one acquisition left: %v", err)
	default:
	}
	released.Store(true)
	a.Unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("the waiting owner never got the lock")
	}
	unlockPanics(t, "Unlock by the former owner", a.Unlock)
	b.Unlock()
}

// Without NewOwner the owner is the process: any goroutine re-enters.
func testRLockProcessIsTheDefaultOwner(t *testing.T) {
	ctx := ctxTimeout(t, 10*time.Second)
	l := newRLock(t)
	if err := l.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	res := make(chan bool)
	go func() { res <- l.TryLock() }()
	if !<-res {
		t.Fatal("another goroutine of the owning process could not re-enter")
	}
	go func() { res <- recoverUnlock(l) == nil }()
	if !<-res {
		t.Fatal("another goroutine of the owning process could not release")
	}
	if l.NewOwner().TryLock() {
		t.Fatal("a WithOwner owner took it while the process holds it")
	}
	l.Unlock()
}

// More Unlocks than Locks, or an Unlock by an owner that does not hold it,
// give ErrNotHeld and change nothing.
func testRLockTooManyUnlocks(t *testing.T) {
	ctx := ctxTimeout(t, 10*time.Second)
	l := newRLock(t)
	unlockPanics(t, "Unlock of a new RLock", l.Unlock)
	a, b := l.NewOwner(), l.NewOwner()
	for range 2 {
		if err := a.LockContext(ctx); err != nil {
			t.Fatal(err)
		}
	}
	unlockPanics(t, "Unlock by an owner that does not hold it", b.Unlock)
	unlockPanics(t, "Unlock by the process owner while another owner holds it", l.Unlock)
	for range 2 {
		a.Unlock() // panics if the failed Unlocks changed the count
	}
	unlockPanics(t, "a third Unlock after two Locks", a.Unlock)
	if !b.TryLock() {
		t.Fatal("not free after the balanced Unlocks")
	}
	b.Unlock()
}

// A child cannot take the RLock the parent holds (TryLock false, a Lock with
// a deadline times out, its Unlock is ErrNotHeld), and can once it is free.
func testRLockAcrossProcesses(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := newRLock(t)
	if err := l.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	r := waitOK(t, ctx, startChild(t, ctx, rlockTry, l))
	if r.TryLock || !r.UnlockNH || r.LockErr != context.DeadlineExceeded.Error() {
		t.Fatalf("a child while the parent holds the RLock: %+v", r)
	}
	l.Unlock()
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
	if l.TryLock() {
		t.Fatal("the parent took the RLock a child holds")
	}
	dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	err := l.LockContext(dctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the parent's Lock with a deadline while a child holds it = %v", err)
	}
	rel.Set()
	waitWithin(t, ctx, wakeBound, p)
	if !l.TryLock() {
		t.Fatal("not free after the child's Unlocks")
	}
	l.Unlock()
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
			err = l.LockContext(ctx)
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
		if l.NewOwner().TryLock() {
			t.Fatalf("round %d: another owner took it after ErrOwnerDead", i)
		}
		l.Unlock()
		unlockPanics(t, "round ", l.Unlock)
		if err := p.Join(ctx); err != nil {
			t.Fatal(err)
		}
	}
	other := l.NewOwner()
	if s := l.String(); s != "<RLock(unlocked)>" {
		t.Fatalf("after the rounds: %s", s)
	}
	if !other.TryLock() {
		t.Fatal("not free after the rounds")
	}
	other.Unlock()
}

// recoverUnlock unlocks l and returns Unlock's panic, if any.
func recoverUnlock(l *mproc.RLock) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err, _ = r.(error)
			if err == nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}
	}()
	l.Unlock()
	return nil
}
