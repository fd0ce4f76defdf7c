// Command rlock is the seeds' multiprocessing.RLock: its owner may acquire it
// again, and must release it as often. One process takes it in outer() and
// again in inner(), which outer calls, while a second process waits; the
// second gets it only when the first has released it both times. With a
// plain Lock, inner() would wait for its own lock forever. Last, the seed's
// task: two processes share one RLock (passed as an argument: children start
// by exec, not fork, so a module-level lock would not be shared) and hold it
// one after the other. The owner of mproc's RLock is a process, not a
// goroutine: two goroutines of one process re-enter each other's lock unless
// each takes its own owner with rl.NewOwner().
//
// Run it with: go run ./examples/rlock
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"mproc"
)

type arg struct {
	RLock *mproc.RLock
	Held  *mproc.Event // set by the holder once it holds the lock twice
}

// holder is outer(), which takes the lock and calls inner(), which takes it
// again. It returns when it released the lock, in Unix nanoseconds.
var holder = mproc.Register[arg, int64]("rlock.holder", func(ctx context.Context, a arg) (int64, error) {
	if err := a.RLock.LockContext(ctx); err != nil {
		return 0, err
	}
	fmt.Println("  holder: outer(): acquire: held once")
	if err := inner(ctx, a); err != nil {
		return 0, err
	}
	time.Sleep(50 * time.Millisecond) // outer's work after inner returns
	fmt.Println("  holder: outer(): release: free")
	released := time.Now().UnixNano()
	a.RLock.Unlock()
	return released, nil
})

func inner(ctx context.Context, a arg) error {
	if err := a.RLock.LockContext(ctx); err != nil {
		return err
	}
	fmt.Println("  holder: inner(): acquire again: re-entered, held twice")
	a.Held.Set()
	time.Sleep(50 * time.Millisecond) // inner's work, while the waiter waits
	fmt.Println("  holder: inner(): release: held once, still mine")
	a.RLock.Unlock()
	return nil
}

// waiter waits for the lock and returns when it got it, in Unix nanoseconds.
var waiter = mproc.Register[arg, int64]("rlock.waiter", func(ctx context.Context, a arg) (int64, error) {
	if err := a.Held.Wait(ctx); err != nil {
		return 0, err
	}
	fmt.Println("  waiter: the holder has it; waiting")
	if err := a.RLock.LockContext(ctx); err != nil {
		return 0, err
	}
	got := time.Now().UnixNano()
	fmt.Println("  waiter: got the lock")
	a.RLock.Unlock()
	return got, nil
})

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "rlock:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	fmt.Println("1. one process takes the RLock twice; another waits for it")
	rl, err := mproc.NewRLock()
	if err != nil {
		return err
	}
	held, err := mproc.NewEvent()
	if err != nil {
		return err
	}
	h, err := holder.Start(ctx, arg{RLock: rl, Held: held})
	if err != nil {
		return err
	}
	w, err := waiter.Start(ctx, arg{RLock: rl, Held: held})
	if err != nil {
		return err
	}
	released, err := h.Wait(ctx)
	if err != nil {
		return err
	}
	got, err := w.Wait(ctx)
	if err != nil {
		return err
	}
	if got < released {
		return errors.New("the waiter got the lock before the holder released it the second time")
	}
	fmt.Println("main: the waiter got it only after both releases")

	fmt.Println("2. the same nesting with a plain Lock")
	l, err := mproc.NewLock()
	if err != nil {
		return err
	}
	l.Lock()
	again := l.TryLock() // inner()'s acquire, without blocking forever
	l.Unlock()
	fmt.Printf("main: a plain Lock taken in outer(); inner() tries again: %v: it would wait for itself forever\n", again)
	if again {
		return errors.New("a plain Lock was taken twice")
	}

	fmt.Println("3. the seed's task(arg): two processes share one RLock")
	var ps []*mproc.Proc[mproc.None]
	for i := 1; i <= 2; i++ {
		p, err := task.Start(ctx, taskArg{RLock: rl, Arg: i})
		if err != nil {
			return err
		}
		ps = append(ps, p)
	}
	for _, p := range ps {
		if _, err := p.Wait(ctx); err != nil {
			return err
		}
	}
	fmt.Println("main: they held it one after the other")
	return mproc.Shutdown(ctx)
}

type taskArg struct {
	RLock *mproc.RLock
	Arg   int
}

// task is the seed's task(arg): print, acquire, sleep, print arg, release.
var task = mproc.Register[taskArg, mproc.None]("rlock.task", func(ctx context.Context, a taskArg) error {
	fmt.Println("  我又回来了! (I'm back!)")
	if err := a.RLock.LockContext(ctx); err != nil {
		return err
	}
	defer a.RLock.Unlock()
	time.Sleep(100 * time.Millisecond) // the seed's time.sleep(2)
	fmt.Printf("  %d\n", a.Arg)
	return nil
})
