// Command counter is the seeds' shared count: it starts at 100 and many
// processes each do `with lock: d['count'] -= 1`, leaving 0. Here the count
// is an mproc.Value in shared memory with its own lock beside it (CPython's
// Value and get_lock()). Without the lock (read, a moment's work, write
// back), processes overwrite each other's decrements: 不加锁而操作共享的数据,
// 肯定会出现数据错乱. An atomic Add needs no lock at all.
//
// Run it with: go run ./examples/counter
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"mproc"
)

// procs is how many processes decrement; the seed has 100, fewer keep the
// program quick on a small machine.
const procs = 30

type arg struct {
	Count *mproc.Value[int64]
	Go    *mproc.Event // set once all are started, so that they run together
	Mode  string
}

var work = mproc.Register[arg, mproc.None]("counter.work", func(ctx context.Context, a arg) error {
	if err := a.Go.Wait(ctx); err != nil {
		return err
	}
	switch a.Mode {
	case "lock":
		a.Count.Update(func(c *int64) { *c-- }) // with lock: count -= 1
	case "racy":
		c := a.Count.Load()
		time.Sleep(time.Millisecond) // a little work between read and write
		a.Count.Store(c - 1)
	case "atomic":
		a.Count.Add(-1)
	}
	return nil
})

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "counter:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	for _, mode := range []string{"lock", "racy", "atomic"} {
		n, err := round(ctx, mode)
		if err != nil {
			return err
		}
		fmt.Printf("main: counter %d -> %d with %d processes, mode %s\n", procs, n, procs, mode)
		switch {
		case mode != "racy" && n != 0:
			return fmt.Errorf("mode %s left %d, want 0", mode, n)
		case mode == "racy" && n != 0:
			fmt.Printf("      without the lock %d decrements were lost\n", n)
		}
	}
	return mproc.Shutdown(ctx)
}

// round runs procs processes in mode on a count of procs and returns what is left.
func round(ctx context.Context, mode string) (int64, error) {
	count, err := mproc.NewValue[int64](procs)
	if err != nil {
		return 0, err
	}
	start, err := mproc.NewEvent()
	if err != nil {
		return 0, err
	}
	var ps []*mproc.Proc[mproc.None]
	for range procs {
		p, err := work.Start(ctx, arg{Count: count, Go: start, Mode: mode})
		if err != nil {
			return 0, err
		}
		ps = append(ps, p)
	}
	start.Set()
	for _, p := range ps {
		if _, err := p.Wait(ctx); err != nil {
			return 0, err
		}
	}
	return count.Load(), nil
}
