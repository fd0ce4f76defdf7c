package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"mproc"
)

// The seed's smaller Pool lessons (001, the AsyncResult methods, an
// initializer, terminate), told after the pool demo's three sections.

// poolGreeting is what the initializer leaves in each worker for its tasks.
var poolGreeting string

// poolInit is the seed's initializer: it runs once in each worker.
var poolInit = mproc.Register[string, mproc.None]("demo.pool.init", func(s string) {
	poolGreeting = fmt.Sprintf("%s (set up in pid %d)", s, os.Getpid())
})

// poolGreet returns what its worker's initializer set.
var poolGreet = mproc.Register[int, string]("demo.pool.greet", func(int) string { return poolGreeting })

// poolMaybe sleeps ms milliseconds, then fails for a negative ms.
var poolMaybe = mproc.Register[int, int]("demo.pool.maybe", func(ctx context.Context, ms int) (int, error) {
	if ms < 0 {
		return 0, errors.New("ValueError: a negative sleep")
	}
	select {
	case <-time.After(time.Duration(ms) * time.Millisecond):
		return ms, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
})

// poolAsyncResult shows ready(), successful() and wait(timeout) on Futures.
func poolAsyncResult(ctx context.Context, con *console, p *mproc.Pool) error {
	con.Printf("\n4. AsyncResult: res.ready(), res.successful(), res.wait(timeout)  →  Future.Result's ok, its err, Done()")
	slow := poolMaybe.Submit(ctx, p, 200)
	bad := poolMaybe.Submit(ctx, p, -1)
	_, _, ready := slow.Result()
	con.Printf("main: slow.ready() → %v, just after apply_async: Result() returns ok=false until it is done", ready)
	if ready {
		return errors.New("pool: a 200ms task was ready at once")
	}
	select { // slow.wait(0.01)
	case <-slow.Done():
		return errors.New("pool: a 200ms task was done within 10ms")
	case <-time.After(10 * time.Millisecond):
		con.Printf("main: slow.wait(0.01) → still not ready after 10ms (select on Done() with a timer)")
	}
	if _, err := bad.Get(ctx); err == nil {
		return errors.New("pool: a failing task succeeded")
	}
	_, err, ready := bad.Result()
	con.Printf("main: bad.ready() → %v, bad.successful() → %v; bad.get() raises: %v", ready, err == nil, err)
	v, err := slow.Get(ctx)
	if err != nil {
		return err
	}
	_, err, ready = slow.Result()
	con.Printf("main: slow.get() → %d; slow.ready() → %v, slow.successful() → %v", v, ready, err == nil)
	return nil
}

// poolInitAndTerminate shows a pool with an initializer, then terminate.
func poolInitAndTerminate(ctx context.Context, con *console) error {
	con.Printf("\n5. Pool(2, initializer=init, initargs=('你好',))  →  mproc.NewPool(ctx, mproc.WithWorkers(2), mproc.WithInitializer(poolInit, \"你好\"))")
	p, err := mproc.NewPool(ctx, mproc.WithWorkers(2), mproc.WithInitializer(poolInit, "你好"))
	if err != nil {
		return err
	}
	defer func() { p.Terminate(); p.Join(context.Background()) }()
	for i := range 4 {
		s, err := poolGreet.Apply(ctx, p, i)
		if err != nil {
			return err
		}
		con.Printf("  task %d sees: %s", i, s)
	}
	con.Printf("   Each worker ran init once, before its first task; its tasks see what it set.")

	con.Printf("\n6. p.terminate(): tasks still running or waiting are dropped, the workers killed")
	var futs []*mproc.Future[int]
	for range 4 {
		futs = append(futs, poolMaybe.Submit(ctx, p, 10_000))
	}
	t0 := time.Now()
	if err := p.Terminate(); err != nil {
		return err
	}
	for i, f := range futs {
		if _, err := f.Get(ctx); !errors.Is(err, mproc.ErrTerminated) {
			return fmt.Errorf("pool: task %d after terminate: %v, want ErrTerminated", i, err)
		}
	}
	con.Printf("main: terminate took %v for four 10s tasks; each Future fails with ErrTerminated", time.Since(t0).Round(time.Millisecond))
	if err := p.Join(ctx); err != nil {
		return err
	}
	con.Printf("main: p.join() → the workers are reaped: %d left", len(p.Workers()))
	return nil
}
