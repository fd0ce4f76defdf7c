package demo

import (
	"context"
	"fmt"
	"sync"
	"time"

	"mproc"
)

// The seed's synchronous versus asynchronous (同步 / 异步), told with its
// bank: a synchronous customer stands in the line until served (Apply: the
// call returns with the result); an asynchronous one takes a numbered slip
// and is called when it is their turn (Submit returns a Future at once; its
// OnDone callback is the clerk calling the number).

type syncAsyncArg struct {
	Customer int
	Gate     string // when set, the counter serves once this gate opens
	Ms       int    // how long the business takes
}

var syncAsyncServe = mproc.Register[syncAsyncArg, string]("demo.syncasync.serve", func(ctx context.Context, a syncAsyncArg) (string, error) {
	if a.Gate != "" {
		if err := waitGate(a.Gate); err != nil {
			return "", err
		}
	}
	select {
	case <-time.After(time.Duration(a.Ms) * time.Millisecond): // the business itself
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return fmt.Sprintf("customer %d served by pid %d", a.Customer, mproc.Current().Pid()), nil
})

const (
	syncAsyncCustomers = 3
	syncAsyncMs        = 60
)

func init() {
	add(Demo{
		Name:  "sync-async",
		Title: "Synchronous versus asynchronous: Apply waits for the result, Submit returns a Future and a callback comes later",
		Intro: "The seed's bank: a synchronous customer stands in the line until served (the call returns with its result: " +
			"pool.apply, Func.Apply); an asynchronous one takes a numbered slip and does something else until the clerk " +
			"calls the number (pool.apply_async, Func.Submit: a Future at once, and OnDone's callback when the result is " +
			"there). Three customers, a pool of three clerks (worker processes). Watch the order of the lines: each Apply " +
			"line is followed by its result; every Submit returns while the counter is still closed, so no result can " +
			"exist yet, and the callbacks come after the main program's other business.",
		Run: stage(runSyncAsync),
	})
}

func runSyncAsync(ctx context.Context, con *console, _ *[]*mproc.Process) error {
	pool, err := mproc.NewPool(ctx, mproc.WithWorkers(syncAsyncCustomers))
	if err != nil {
		return err
	}
	defer func() { pool.Terminate(); pool.Join(context.Background()) }() // after a failure: nothing left running

	con.Printf("1. Synchronous: res = pool.apply(serve, (i,))  →  serveFn.Apply(ctx, pool, i), each %dms of business", syncAsyncMs)
	t0 := time.Now()
	for i := 1; i <= syncAsyncCustomers; i++ {
		con.Printf("main: customer %d steps into the line: Apply(...) ...", i)
		res, err := syncAsyncServe.Apply(ctx, pool, syncAsyncArg{Customer: i, Ms: syncAsyncMs})
		if err != nil {
			return err
		}
		con.Printf("main: ... Apply returned %q after %v: the caller waited", res, time.Since(t0).Round(time.Millisecond))
	}
	con.Printf("main: %d customers one after another: %v, about %d × %dms", syncAsyncCustomers, time.Since(t0).Round(time.Millisecond), syncAsyncCustomers, syncAsyncMs)

	con.Printf("\n2. Asynchronous: res = pool.apply_async(serve, (i,), callback=called)  →  f := serveFn.Submit(ctx, pool, i); f.OnDone(called)")
	counter, err := con.newGate("counter") // closed: no customer is served until main opens it
	if err != nil {
		return err
	}
	defer counter.Open()
	con.Printf("main: the counter is closed (a file lock the workers wait on)")
	var calls sync.WaitGroup
	futures := make([]*mproc.Future[string], syncAsyncCustomers)
	t0 = time.Now()
	for i := 1; i <= syncAsyncCustomers; i++ {
		f := syncAsyncServe.Submit(ctx, pool, syncAsyncArg{Customer: i, Gate: counter.path, Ms: syncAsyncMs})
		futures[i-1] = f
		_, _, ready := f.Result()
		con.Printf("main: customer %d takes slip %d: Submit returned after %v; the result is there: %v",
			i, i, time.Since(t0).Round(time.Microsecond), ready)
		calls.Add(1)
		f.OnDone(func(f *mproc.Future[string]) {
			defer calls.Done()
			res, err, _ := f.Result()
			if err != nil {
				con.Printf("callback: slip %d failed: %v", i, err)
				return
			}
			con.Printf("callback: number %d is called! %q", i, res)
		})
	}
	con.Printf("main: all %d slips taken; meanwhile I make a phone call and send a text (non-waiting business)", syncAsyncCustomers)
	con.Printf("main: the counter opens")
	counter.Open()
	for _, f := range futures {
		if _, err := f.Get(ctx); err != nil {
			return err
		}
	}
	calls.Wait() // Get may return before the callbacks have run
	con.Printf("main: all %d served in %v: the clerks served them at once, and nobody stood in line",
		syncAsyncCustomers, time.Since(t0).Round(time.Millisecond))
	con.Printf("   Synchronous means the caller learns the outcome from the call; asynchronous, the call\n" +
		"   only starts the work, and the outcome comes later, by a callback or a Get on the Future.")
	pool.Close()
	return pool.Join(ctx)
}
