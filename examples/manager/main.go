// Command manager is the seeds' Manager: `with Manager() as m: d =
// m.dict()` starts a server process that holds the dict; every process gets
// a proxy, and every d[k] = v is a request to the server, so all of them see
// one dict. Ten processes each set d[i] = 100; then d = m.dict({'count':
// 100}) and many processes each run `with lock: d['count'] -= 1` with the
// manager's Lock, and the count ends at exactly 0.
//
// Run it with: go run ./examples/manager
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"mproc"
	"mproc/manager"
)

type setArg struct {
	D *manager.Dict[int, int]
	I int
}

// set is d[i] = 100.
var set = mproc.Register[setArg, mproc.None]("manager.set", func(ctx context.Context, a setArg) error {
	return a.D.Set(ctx, a.I, 100)
})

type countArg struct {
	D    *manager.Dict[string, int]
	Lock *manager.Lock
}

// decrement is `with lock: d['count'] -= 1`: a read and a write, two requests.
var decrement = mproc.Register[countArg, mproc.None]("manager.decrement", func(ctx context.Context, a countArg) error {
	if err := a.Lock.LockContext(ctx); err != nil {
		return err
	}
	defer a.Lock.Unlock()
	c, err := a.D.Get(ctx, "count")
	if err != nil {
		return err
	}
	return a.D.Set(ctx, "count", c-1)
})

// procs is how many processes decrement; the seed has 100.
const procs = 20

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	m, err := manager.Start(ctx)
	if err != nil {
		return err
	}
	defer m.Shutdown(context.WithoutCancel(ctx))
	fmt.Printf("main: the manager runs in pid %d\n", m.Process().Pid())

	d, err := manager.NewDict[int, int](ctx, m, nil)
	if err != nil {
		return err
	}
	if err := startAndWait(ctx, 10, func(i int) (*mproc.Proc[mproc.None], error) { return set.Start(ctx, setArg{D: d, I: i}) }); err != nil {
		return err
	}
	items, err := d.Map(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("main: d = %v\n", items)

	counter, err := manager.NewDict(ctx, m, map[string]int{"count": procs})
	if err != nil {
		return err
	}
	lock, err := manager.NewLock(ctx, m)
	if err != nil {
		return err
	}
	if err := startAndWait(ctx, procs, func(int) (*mproc.Proc[mproc.None], error) {
		return decrement.Start(ctx, countArg{D: counter, Lock: lock})
	}); err != nil {
		return err
	}
	n, err := counter.Get(ctx, "count")
	if err != nil {
		return err
	}
	fmt.Printf("main: count = %d after %d processes each did `with lock: d['count'] -= 1`\n", n, procs)
	if len(items) != 10 || n != 0 {
		return fmt.Errorf("the dict has %d items and the count is %d; want 10 and 0", len(items), n)
	}
	if err := m.Shutdown(ctx); err != nil {
		return err
	}
	return mproc.Shutdown(ctx)
}

// startAndWait starts n processes with start(i) and waits for them all.
func startAndWait(ctx context.Context, n int, start func(i int) (*mproc.Proc[mproc.None], error)) error {
	var ps []*mproc.Proc[mproc.None]
	for i := range n {
		p, err := start(i)
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
	return nil
}
