// Command sync-async is the seed's bank, synchronous and asynchronous: a
// synchronous customer stands in line until served (Func.Apply, CPython's
// pool.apply, returns with the result); an asynchronous one takes a numbered
// slip (Func.Submit, pool.apply_async, returns a Future at once) and is
// called when served (Future.OnDone, apply_async's callback).
//
// Run it with: go run ./examples/sync-async
package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"mproc"
)

var serve = mproc.Register[int, string]("syncasync.serve", func(customer int) string {
	time.Sleep(50 * time.Millisecond) // the business at the counter
	return fmt.Sprintf("customer %d served by pid %d", customer, os.Getpid())
})

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "sync-async:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	pool, err := mproc.NewPool(ctx, mproc.WithWorkers(3))
	if err != nil {
		return err
	}
	defer pool.Terminate()

	t0 := time.Now()
	for i := 1; i <= 3; i++ {
		res, err := serve.Apply(ctx, pool, i) // waits in line
		if err != nil {
			return err
		}
		fmt.Printf("main: Apply returned %q after %v\n", res, time.Since(t0).Round(time.Millisecond))
	}

	t0 = time.Now()
	var called sync.WaitGroup
	var futures []*mproc.Future[string]
	for i := 1; i <= 3; i++ {
		f := serve.Submit(ctx, pool, i) // takes a slip
		called.Add(1)
		f.OnDone(func(f *mproc.Future[string]) {
			defer called.Done()
			if res, err, _ := f.Result(); err == nil {
				fmt.Printf("callback: number %d is called: %q\n", i, res)
			}
		})
		futures = append(futures, f)
		fmt.Printf("main: Submit returned after %v with slip %d\n", time.Since(t0).Round(time.Microsecond), i)
	}
	fmt.Println("main: I do something else while the clerks work")
	for _, f := range futures {
		if _, err := f.Get(ctx); err != nil {
			return err
		}
	}
	called.Wait()
	fmt.Printf("main: all served %v after the first slip\n", time.Since(t0).Round(time.Millisecond))
	pool.Close()
	if err := pool.Join(ctx); err != nil {
		return err
	}
	return mproc.Shutdown(ctx)
}
