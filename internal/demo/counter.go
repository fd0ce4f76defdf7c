package demo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"mproc"
)

// The seeds' Manager example, retold with shared memory: count starts at
// 100 and 100 processes each take one off. CPython's version keeps the count
// in a Manager's dict and takes a Lock around `d['count'] -= 1`; here the
// count is an mproc.Value in shared memory, with its own lock beside it.

const (
	counterProcs = 100
	// counterStarters is how many goroutines start the processes: a start
	// is mostly the child's exec, and several cores can exec children at
	// once.
	counterStarters = 4
)

type counterArg struct {
	Count *mproc.Value[int64]
	Go    *mproc.Event // set once all the processes are started, so that they run together
	Mode  string
}

var counterWork = mproc.Register[counterArg, mproc.None]("demo.counter.work", func(ctx context.Context, a counterArg) error {
	if err := a.Go.Wait(ctx); err != nil {
		return err
	}
	switch a.Mode {
	case "lock":
		// with lock: d['count'] -= 1
		a.Count.Update(func(c *int64) { *c -= 1 })
	case "racy":
		// d['count'] -= 1 without the lock, as a read and a write with a
		// little work between them.
		c := a.Count.Load()
		time.Sleep(time.Millisecond)
		a.Count.Store(c - 1)
	case "atomic":
		a.Count.Add(-1) // one atomic instruction: no lock needed
	default:
		return fmt.Errorf("unknown mode %q", a.Mode)
	}
	return nil
})

func init() {
	add(Demo{
		Name:  "counter",
		Title: "100 processes decrement a shared count: 0 with the lock, wrong without it, 0 with an atomic add",
		Intro: "The seeds' Manager example: count starts at 100, and 100 processes each run `with lock: d['count'] -= 1`; " +
			"the result is 0. Here the count is an mproc.Value[int64] in shared memory, with a lock beside it " +
			"(CPython's Value and get_lock()): Value.Update runs the decrement under that lock. Without the lock " +
			"(read, a moment's work, write back), processes read the same count and overwrite each other's " +
			"decrements, and the result is wrong: 不加锁而操作共享的数据,肯定会出现数据错乱. For a single number, " +
			"Value.Add(-1) is one atomic instruction and needs no lock at all.",
		Run: stage(runCounter),
	})
}

func runCounter(ctx context.Context, con *console, started *[]*mproc.Process) error {
	con.Printf("1. with lock: count -= 1, in %d processes (Value.Update)", counterProcs)
	n, took, err := counterRound(ctx, started, "lock")
	if err != nil {
		return err
	}
	con.Printf("   count = %d  (%d processes started from %d goroutines, ran and joined in %v)", n, counterProcs,
		counterStarters, took.Round(time.Millisecond))
	if n != 0 {
		return fmt.Errorf("counter: with the lock the count is %d, want 0", n)
	}

	con.Printf("\n2. Without the lock: c = count; (a millisecond of work); count = c - 1, in %d processes", counterProcs)
	n, took, err = counterRound(ctx, started, "racy")
	if err != nil {
		return err
	}
	if n != 0 {
		con.Printf("   count = %d  (in %v): %d of the %d decrements were lost, overwritten by processes that had read "+
			"the same count", n, took.Round(time.Millisecond), n, counterProcs)
	} else {
		con.Printf("   count = %d  (in %v): this time no decrement was lost, but nothing guarantees it", n, took.Round(time.Millisecond))
	}

	con.Printf("\n3. count.Add(-1), atomic, no lock, in %d processes", counterProcs)
	n, took, err = counterRound(ctx, started, "atomic")
	if err != nil {
		return err
	}
	con.Printf("   count = %d  (in %v)", n, took.Round(time.Millisecond))
	if n != 0 {
		return fmt.Errorf("counter: with Add(-1) the count is %d, want 0", n)
	}
	return nil
}

// counterRound runs counterProcs processes in mode on a count of
// counterProcs and returns the count they leave.
func counterRound(ctx context.Context, started *[]*mproc.Process, mode string) (int64, time.Duration, error) {
	t0 := time.Now()
	count, err := mproc.NewValue[int64](counterProcs)
	if err != nil {
		return 0, 0, err
	}
	ev, err := mproc.NewEvent()
	if err != nil {
		return 0, 0, err
	}
	procs, err := startMany(ctx, started, counterProcs, counterWork, counterArg{Count: count, Go: ev, Mode: mode})
	if err != nil {
		return 0, 0, err
	}
	ev.Set()
	for _, p := range procs {
		if _, err := p.Wait(ctx); err != nil {
			return 0, 0, fmt.Errorf("counter: %v: %w", p, err)
		}
	}
	return count.Load(), time.Since(t0), nil
}

// startMany starts n children of f(arg) from counterStarters goroutines and
// records them in started.
func startMany[A any](ctx context.Context, started *[]*mproc.Process, n int, f *mproc.Func[A, mproc.None], arg A) ([]*mproc.Proc[mproc.None], error) {
	procs := make([]*mproc.Proc[mproc.None], n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for g := range counterStarters {
		wg.Go(func() {
			for i := g; i < n; i += counterStarters {
				procs[i], errs[i] = f.Start(ctx, arg)
			}
		})
	}
	wg.Wait()
	for _, p := range procs {
		if p != nil {
			*started = append(*started, p.Process)
		}
	}
	return procs, errors.Join(errs...)
}
