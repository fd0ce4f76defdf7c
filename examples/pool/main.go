// Command pool is the seeds' process pool: Pool(3) starts three processes
// once, and from then on the same three run every task (从无到有创建三个进程,
// 以后一直是这三个进程在执行任务). work(n) prints its pid, sleeps and returns
// n**2; it runs ten times with apply (one after another) and ten times with
// apply_async and a callback (three at a time); then map squares range(10),
// and close and join end the pool. Last come AsyncResult's ready and
// successful (a Future's Result), a pool with an initializer, and terminate.
//
// Run it with: go run ./examples/pool
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"mproc"
)

type result struct{ Square, Pid int }

// work is the seed's work(n); its 3 s sleep is 50 ms here.
var work = mproc.Register[int, result]("pool.work", func(n int) result {
	fmt.Printf("  %d run work(%d)\n", os.Getpid(), n)
	time.Sleep(50 * time.Millisecond)
	return result{Square: n * n, Pid: os.Getpid()}
})

var square = mproc.Register[int, int]("pool.square", func(n int) int { return n * n })

// greeting is set in each worker by its initializer.
var greeting string

var setup = mproc.Register[string, mproc.None]("pool.setup", func(s string) { greeting = s })

var greet = mproc.Register[int, string]("pool.greet", func(int) string { return greeting })

// sleepy sleeps ms milliseconds and fails for a negative ms.
var sleepy = mproc.Register[int, int]("pool.sleepy", func(ctx context.Context, ms int) (int, error) {
	if ms < 0 {
		return 0, errors.New("a negative sleep")
	}
	select {
	case <-time.After(time.Duration(ms) * time.Millisecond):
		return ms, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
})

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "pool:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	p, err := mproc.NewPool(ctx, mproc.WithWorkers(3))
	if err != nil {
		return err
	}
	defer p.Terminate() // after a failure: nothing left running
	var pids []int

	fmt.Println("1. apply: each call waits for its result")
	t0 := time.Now()
	for i := range 10 {
		r, err := work.Apply(ctx, p, i)
		if err != nil {
			return err
		}
		pids = append(pids, r.Pid)
	}
	fmt.Printf("main: ten tasks in %v, one after another\n", time.Since(t0).Round(10*time.Millisecond))

	fmt.Println("2. apply_async with a callback: three at a time")
	t0 = time.Now()
	var futs []*mproc.Future[result]
	for i := range 10 {
		f := work.Submit(ctx, p, i)
		f.OnDone(func(f *mproc.Future[result]) { // the seed's callback, run in the main process
			if r, err, _ := f.Result(); err == nil {
				fmt.Printf("  main (pid %d): callback got %d\n", os.Getpid(), r.Square)
			}
		})
		futs = append(futs, f)
	}
	for _, f := range futs { // [res.get() for res in res_l]
		r, err := f.Get(ctx)
		if err != nil {
			return err
		}
		pids = append(pids, r.Pid)
	}
	fmt.Printf("main: ten tasks in %v, three at a time\n", time.Since(t0).Round(10*time.Millisecond))

	ys, err := square.Map(ctx, p, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	if err != nil {
		return err
	}
	fmt.Printf("main: p.map(square, range(10)) -> %v\n", ys)

	slices.Sort(pids)
	pids = slices.Compact(pids)
	if len(pids) > 3 {
		return fmt.Errorf("twenty tasks ran in %d processes %v, want at most the pool's 3", len(pids), pids)
	}
	fmt.Printf("main: every task ran in one of the pool's processes %v\n", pids)

	bad := sleepy.Submit(ctx, p, -1)
	_, _ = bad.Get(ctx)
	_, err, ready := bad.Result() // res.ready(), res.successful()
	fmt.Printf("main: bad.ready() -> %v, bad.successful() -> %v\n", ready, err == nil)
	if err := p.Close(); err != nil { // p.close(); p.join()
		return err
	}
	if err := p.Join(ctx); err != nil {
		return err
	}
	if err := initAndTerminate(ctx); err != nil {
		return err
	}
	return mproc.Shutdown(ctx)
}

// initAndTerminate: Pool(2, initializer=setup, initargs=('hello',)), then
// p.terminate() with tasks running.
func initAndTerminate(ctx context.Context) error {
	p, err := mproc.NewPool(ctx, mproc.WithWorkers(2), mproc.WithInitializer(setup, "hello"))
	if err != nil {
		return err
	}
	defer p.Terminate()
	s, err := greet.Apply(ctx, p, 0)
	if err != nil {
		return err
	}
	fmt.Printf("main: a task sees what the initializer set: %q\n", s)
	f := sleepy.Submit(ctx, p, 10_000)
	if err := p.Terminate(); err != nil {
		return err
	}
	if _, err := f.Get(ctx); !errors.Is(err, mproc.ErrTerminated) {
		return fmt.Errorf("a task after terminate: %v", err)
	}
	fmt.Println("main: p.terminate() dropped the running task: ErrTerminated")
	return p.Join(ctx)
}
