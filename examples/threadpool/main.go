// Command threadpool is the seeds' thread pool: p_pool =
// ThreadPoolExecutor(50), and p_pool.submit(task1, n).add_done_callback(
// get_result) in a loop; task1 prints, sleeps and returns 'tank', and
// get_result prints obj.result(). In Go a thread is a goroutine: an
// mproc.GoExecutor runs closures on 50 goroutines, and its Futures are the
// process pool's, so the same registered function and callback work on both.
//
// Run it with: go run ./examples/threadpool
package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"mproc"
)

// task1 is the seed's task1(n); its 5 s sleep is 20 ms here.
var task1 = mproc.Register[int, string]("threadpool.task1", func(n int) string {
	time.Sleep(20 * time.Millisecond)
	return fmt.Sprintf("tank %d from pid %d", n, os.Getpid())
})

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "threadpool:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	ex, err := mproc.NewGoExecutor(50) // ThreadPoolExecutor(50)
	if err != nil {
		return err
	}
	defer func() { ex.CancelPending(); ex.Shutdown(context.Background()) }() // on an early return
	pool, err := mproc.NewPool(ctx, mproc.WithWorkers(2))
	if err != nil {
		return err
	}
	defer pool.Terminate()

	for _, e := range []struct {
		name  string
		ex    mproc.Executor
		tasks int
	}{{"50 goroutines", ex, 200}, {"a pool of 2 processes", pool, 20}} {
		t0 := time.Now()
		n, err := submitAll(ctx, e.ex, e.tasks)
		if err != nil {
			return err
		}
		fmt.Printf("main: %d results from %s in %v\n", n, e.name, time.Since(t0).Round(10*time.Millisecond))
		if n != e.tasks {
			return fmt.Errorf("%d results from %s, want %d", n, e.name, e.tasks)
		}
	}
	if err := ex.Shutdown(ctx); err != nil { // p_pool.shutdown()
		return err
	}
	if err := pool.Close(); err != nil {
		return err
	}
	if err := pool.Join(ctx); err != nil {
		return err
	}
	return mproc.Shutdown(ctx)
}

// submitAll submits task1(1..tasks) to ex, each with the seed's get_result
// as its callback, and returns how many results the callbacks got.
func submitAll(ctx context.Context, ex mproc.Executor, tasks int) (int, error) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := 0
	getResult := func(obj *mproc.Future[string]) {
		defer wg.Done()
		res, err, _ := obj.Result()
		if err != nil {
			fmt.Println("  get_result:", err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if got++; got <= 2 {
			fmt.Printf("  get_result: obj.result() = %q\n", res)
		}
	}
	for n := 1; n <= tasks; n++ {
		wg.Add(1)
		task1.Submit(ctx, ex, n).OnDone(getResult)
	}
	wg.Wait() // every Future ends: with a result, or with ctx's error
	return got, ctx.Err()
}
