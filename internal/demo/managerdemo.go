package demo

import (
	"context"
	"fmt"
	"time"

	"mproc"
	"mproc/manager"
)

// The seeds' Manager examples, with a real manager process: `with
// Manager() as m: d = m.dict()`, ten processes each set d[i] = 100; then
// `d = m.dict({'count': 100})` and 100 processes each run `with lock:
// d['count'] -= 1`; then the same with the manager's atomic add and no
// lock at all.

const managerProcs = 100

type mgrSetArg struct {
	D *manager.Dict[int, int]
	I int
}

var mgrDemoSet = mproc.Register[mgrSetArg, mproc.None]("demo.manager.set", func(ctx context.Context, a mgrSetArg) error {
	return a.D.Set(ctx, a.I, 100) // d[i] = 100
})

type mgrCountArg struct {
	D    *manager.Dict[string, int]
	Lock *manager.Lock // nil: the atomic add
	Go   *mproc.Event
}

var mgrDemoCount = mproc.Register[mgrCountArg, mproc.None]("demo.manager.count", func(ctx context.Context, a mgrCountArg) error {
	if err := a.Go.Wait(ctx); err != nil {
		return err
	}
	if a.Lock == nil {
		_, err := a.D.Add(ctx, "count", -1) // one request; the manager subtracts
		return err
	}
	// with lock: d['count'] -= 1 (a read and a write, two requests)
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

func init() {
	add(Demo{
		Name:  "manager",
		Title: "a Manager process holds a dict: 10 processes set d[i] = 100; 100 decrement 'count' under its lock, then atomically",
		Intro: "The seeds' Manager: `with Manager() as m: d = m.dict()` starts a server process that holds the dict; " +
			"each process gets a proxy and every d[k] = v is a request to the server, so all of them see one dict. " +
			"First ten processes each set d[i] = 100. Then d = m.dict({'count': 100}) and 100 processes each run " +
			"`with lock: d['count'] -= 1` with the manager's Lock: the count ends at exactly 0. Last, the same with " +
			"Dict.Add(ctx, 'count', -1): the manager does the subtraction in one step, so no lock is needed.",
		Run: stage(runManager),
	})
}

func runManager(ctx context.Context, con *console, started *[]*mproc.Process) error {
	m, err := manager.Start(ctx)
	if err != nil {
		return err
	}
	*started = append(*started, m.Process().Process)
	defer m.Shutdown(context.WithoutCancel(ctx))
	con.Printf("Manager started: process %d, listening on %s", m.Process().Pid(), m.Addr())

	d, err := manager.NewDict[int, int](ctx, m, nil)
	if err != nil {
		return err
	}
	con.Printf("\n1. d = m.dict(); 10 processes each set d[i] = 100")
	var ps []*mproc.Proc[mproc.None]
	for i := range 10 {
		p, err := mgrDemoSet.Start(ctx, mgrSetArg{d, i})
		if err != nil {
			return err
		}
		*started = append(*started, p.Process)
		ps = append(ps, p)
	}
	for _, p := range ps {
		if _, err := p.Wait(ctx); err != nil {
			return err
		}
	}
	items, err := d.Map(ctx)
	if err != nil {
		return err
	}
	con.Printf("   d = %v  (%d items)", items, len(items))

	lock, err := manager.NewLock(ctx, m)
	if err != nil {
		return err
	}
	con.Printf("\n2. d = m.dict({'count': 100}); %d processes: with lock: d['count'] -= 1", managerProcs)
	if err := managerRound(ctx, con, m, started, lock); err != nil {
		return err
	}
	con.Printf("\n3. The same with d.Add(ctx, \"count\", -1): one atomic request, no lock")
	return managerRound(ctx, con, m, started, nil)
}

// managerRound lets managerProcs processes decrement a count of
// managerProcs and reports what is left, which must be 0.
func managerRound(ctx context.Context, con *console, m *manager.Manager, started *[]*mproc.Process, lock *manager.Lock) error {
	t0 := time.Now()
	d, err := manager.NewDict(ctx, m, map[string]int{"count": managerProcs})
	if err != nil {
		return err
	}
	ev, err := mproc.NewEvent()
	if err != nil {
		return err
	}
	procs, err := startMany(ctx, started, managerProcs, mgrDemoCount, mgrCountArg{D: d, Lock: lock, Go: ev})
	if err != nil {
		return err
	}
	ev.Set()
	for _, p := range procs {
		if _, err := p.Wait(ctx); err != nil {
			return fmt.Errorf("manager: %v: %w", p, err)
		}
	}
	n, err := d.Get(ctx, "count")
	if err != nil {
		return err
	}
	con.Printf("   count = %d  (%d processes started, ran and joined in %v)", n, managerProcs, time.Since(t0).Round(time.Millisecond))
	if n != 0 {
		return fmt.Errorf("manager: the count is %d, want 0", n)
	}
	return nil
}
