package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"mproc"
)

// The seeds' warning: terminate() a process that holds a lock, and in
// CPython the lock stays held forever; whoever acquires it next hangs. An
// mproc.Lock whose holder dies passes to the next acquirer, who is told
// (ErrOwnerDead) so that it can repair what the lock protects.

// ledger is what the lock protects: two accounts that always sum to 100,
// and the amount of a transfer in progress.
type ledger struct {
	A, B    int64
	Pending int64 // taken from A, not yet given to B
}

type survivesArg struct {
	Console string
	Lock    *mproc.Lock
	Ledger  *mproc.Value[ledger] // raw: the Lock above guards it
	Halfway *mproc.Event         // set once the transfer is half done
	Amount  int64
	Crash   bool // stop half-way and wait to be killed
}

// survivesTransfer moves Amount from A to B under the lock; with Crash it
// stops half-way, lock held, and waits to be killed.
var survivesTransfer = mproc.Register[survivesArg, mproc.None]("demo.lock-survives.transfer", func(ctx context.Context, a survivesArg) error {
	name := mproc.Current().Name()
	if err := a.Lock.LockContext(ctx); err != nil && !errors.Is(err, mproc.ErrOwnerDead) {
		return err
	}
	l := a.Ledger.Pointer()
	say(a.Console, "  %s: lock.acquire(); transferring %d from A to B", name, a.Amount)
	l.Pending = a.Amount
	l.A -= a.Amount
	if a.Crash {
		say(a.Console, "  %s: took %d from A; before giving it to B, I stop (lock held)", name, a.Amount)
		a.Halfway.Set()
		<-ctx.Done() // until killed: Kill gives no warning
		return ctx.Err()
	}
	l.B += a.Amount
	l.Pending = 0
	say(a.Console, "  %s: gave %d to B; lock.release()", name, a.Amount)
	a.Lock.Unlock()
	return nil
})

func init() {
	add(Demo{
		Name:  "lock-survives",
		Title: "A process killed while holding a Lock: the lock passes on, with ErrOwnerDead, instead of deadlocking",
		Intro: "The seeds warn that terminate() of a process holding a lock leaves the lock held forever: in CPython " +
			"the next acquire() hangs. Here a child takes the lock, does half of a transfer between two accounts, and " +
			"is killed. The main process's LockContext gets the lock within about 20 ms (a waiter checks every 20 ms " +
			"that the holder still lives) and returns ErrOwnerDead with the lock held, so the main process knows the " +
			"state may be half-changed: it repairs the accounts and goes on.",
		Run: stage(runSurvives),
	})
}

func runSurvives(ctx context.Context, con *console, started *[]*mproc.Process) error {
	lock, err := mproc.NewLock()
	if err != nil {
		return err
	}
	led, err := mproc.NewRawValue(ledger{A: 100})
	if err != nil {
		return err
	}
	halfway, err := mproc.NewEvent()
	if err != nil {
		return err
	}
	show := func(when string) {
		l := led.Pointer()
		con.Printf("   %s: A=%d B=%d pending=%d, A+B=%d", when, l.A, l.B, l.Pending, l.A+l.B)
	}
	arg := survivesArg{Console: con.path, Lock: lock, Ledger: led, Halfway: halfway, Amount: 30}

	con.Printf("1. A child takes the lock and starts a transfer")
	show("before")
	arg.Crash = true
	p, err := survivesTransfer.Start(ctx, arg)
	if err != nil {
		return err
	}
	*started = append(*started, p.Process)
	if err := halfway.Wait(ctx); err != nil {
		return err
	}
	if lock.TryLock() {
		return errors.New("lock-survives: TryLock took the lock the child holds")
	}
	con.Printf("main: the lock is %v (the child, pid %d, holds it); TryLock: false", lock, p.Pid())

	con.Printf("\n2. main: p.kill(), while the child holds the lock")
	killed := time.Now()
	if err := p.Kill(); err != nil {
		return err
	}
	lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	err = lock.LockContext(lctx) // in CPython: lock.acquire() hangs forever
	took := time.Since(killed)
	if !errors.Is(err, mproc.ErrOwnerDead) {
		if err == nil {
			lock.Unlock()
		}
		return fmt.Errorf("lock-survives: after the holder was killed, LockContext returned %v, want ErrOwnerDead", err)
	}
	con.Printf("main: lock.LockContext(ctx) returned after %v: %q; errors.Is(err, mproc.ErrOwnerDead) = true, and "+
		"the lock is mine (pid %d): %v", took.Round(time.Millisecond), err, mproc.Current().Pid(), lock)
	if err := p.Join(ctx); err != nil {
		return err
	}
	code, _ := p.ExitCode()
	con.Printf("main: the child is %v (exit code %d)", p, code)

	con.Printf("\n3. main: the owner died mid-change, so repair the state before going on")
	show("found")
	l := led.Pointer()
	if l.A+l.B+l.Pending != 100 || l.Pending == 0 {
		lock.Unlock()
		return fmt.Errorf("lock-survives: unexpected state %+v", *l)
	}
	l.A += l.Pending // roll the half-done transfer back
	l.Pending = 0
	show("rolled back")
	lock.Unlock()

	con.Printf("\n4. Going on: another child makes the transfer, and finishes it")
	arg.Crash = false
	q, err := survivesTransfer.Start(ctx, arg)
	if err != nil {
		return err
	}
	*started = append(*started, q.Process)
	if _, err := q.Wait(ctx); err != nil {
		return fmt.Errorf("lock-survives: %v: %w", q, err)
	}
	show("after")
	if err := lock.LockContext(ctx); err != nil {
		return fmt.Errorf("lock-survives: the lock after a normal release: %w", err)
	}
	final := *led.Pointer()
	lock.Unlock()
	if final != (ledger{A: 70, B: 30}) {
		return fmt.Errorf("lock-survives: final state %+v, want A=70 B=30", final)
	}
	con.Printf("   The lock came back %v after its holder was killed; nothing hung, and A+B is still 100.",
		took.Round(time.Millisecond))
	return nil
}
