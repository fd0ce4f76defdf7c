// Command lock-survives answers the seeds' warning that terminate() of a
// process holding a lock leaves the lock held forever, so that the next
// acquire() hangs. A child takes an mproc.Lock, does half of a transfer
// between two accounts and is killed; the main process's LockContext gets
// the lock anyway and returns ErrOwnerDead, so it knows the accounts may be
// half-changed, repairs them and goes on.
//
// Run it with: go run ./examples/lock-survives
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"mproc"
)

// ledger is what the lock protects: two accounts that always sum to 100,
// and the amount of a transfer in progress.
type ledger struct{ A, B, Pending int64 }

type arg struct {
	Lock    *mproc.Lock
	Ledger  *mproc.Value[ledger] // raw: Lock guards it
	Halfway *mproc.Event         // set once the transfer is half done
	Crash   bool                 // stop half-way and wait to be killed
}

// transfer moves 30 from A to B under the lock; with Crash it stops half-way.
var transfer = mproc.Register[arg, mproc.None]("lock-survives.transfer", func(ctx context.Context, a arg) error {
	if err := a.Lock.LockContext(ctx); err != nil {
		return err
	}
	l := a.Ledger.Pointer()
	l.Pending, l.A = 30, l.A-30
	if a.Crash {
		fmt.Println("  child: took 30 from A; before giving it to B, I stop, lock held")
		a.Halfway.Set()
		<-ctx.Done() // until killed
		return ctx.Err()
	}
	l.B, l.Pending = l.B+30, 0
	fmt.Println("  child: moved 30 from A to B")
	a.Lock.Unlock()
	return nil
})

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "lock-survives:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
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
	a := arg{Lock: lock, Ledger: led, Halfway: halfway, Crash: true}
	p, err := transfer.Start(ctx, a)
	if err != nil {
		return err
	}
	if err := halfway.Wait(ctx); err != nil {
		return err
	}
	fmt.Println("main: kill the child while it holds the lock")
	if err := p.Kill(); err != nil {
		return err
	}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err = lock.LockContext(lctx) // in CPython: lock.acquire() hangs forever
	if !errors.Is(err, mproc.ErrOwnerDead) {
		return fmt.Errorf("after the holder was killed, LockContext returned %v, want ErrOwnerDead", err)
	}
	l := led.Pointer()
	fmt.Printf("main: got the lock with %q; found A=%d B=%d pending=%d\n", err, l.A, l.B, l.Pending)
	l.A, l.Pending = l.A+l.Pending, 0 // roll the half-done transfer back
	fmt.Printf("main: rolled back to A=%d B=%d\n", l.A, l.B)
	lock.Unlock()

	a.Crash = false
	if _, err := transfer.Call(ctx, a); err != nil {
		return err
	}
	if *led.Pointer() != (ledger{A: 70, B: 30}) {
		return fmt.Errorf("final state %+v, want A=70 B=30", *led.Pointer())
	}
	fmt.Println("main: the transfer is done: A=70 B=30; nothing hung")
	return mproc.Shutdown(ctx)
}
