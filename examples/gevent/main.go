// Command gevent is the seeds' coroutines: gevent.joinall([gevent.spawn(
// first), gevent.spawn(second), gevent.spawn(third)]), where each task
// prints, gevent.sleep()s and prints again, and the whole takes as long as
// the longest sleep, not the sum. In Go the coroutine is the goroutine: `go`
// is spawn, a WaitGroup is joinall and time.Sleep is gevent.sleep, with no
// monkey.patch_all. Then the same with mproc's GoExecutor and its Futures:
// mproc.Go is spawn and mproc.WaitFutures is joinall.
//
// Run it with: go run ./examples/gevent
package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"mproc"
)

type sleeper struct {
	name string
	d    time.Duration
}

var sleeps = []sleeper{{"first", 300 * time.Millisecond}, {"second", 200 * time.Millisecond}, {"third", 100 * time.Millisecond}}

// sum is what the tasks would take one after another.
const sum = 600 * time.Millisecond

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "gevent:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	fmt.Println("1. spawn with go, joinall with a WaitGroup")
	t0 := time.Now()
	var wg sync.WaitGroup
	for _, s := range sleeps {
		wg.Go(func() {
			fmt.Printf("  running %s: sleep %v\n", s.name, s.d)
			time.Sleep(s.d) // gevent.sleep: the other goroutines run meanwhile
			fmt.Printf("  back in %s\n", s.name)
		})
	}
	wg.Wait()
	if took := time.Since(t0); took >= sum {
		return fmt.Errorf("the goroutines took %v, the sum of their sleeps", took)
	}
	fmt.Printf("main: joinall returned after %v: the longest sleep, not the sum\n", time.Since(t0).Round(10*time.Millisecond))

	fmt.Println("2. spawn with mproc.Go, joinall with mproc.WaitFutures")
	ex, err := mproc.NewGoExecutor(len(sleeps))
	if err != nil {
		return err
	}
	defer func() { ex.CancelPending(); ex.Shutdown(context.Background()) }() // on an early return
	t0 = time.Now()
	var futs []*mproc.Future[string]
	for _, s := range sleeps {
		futs = append(futs, mproc.Go(ctx, ex, func(ctx context.Context) (string, error) {
			select {
			case <-time.After(s.d):
				return s.name + " slept " + s.d.String(), nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}))
	}
	if _, _, err := mproc.WaitFutures(ctx, mproc.AllCompleted, futs...); err != nil {
		return err
	}
	for _, f := range futs {
		v, err := f.Get(ctx) // greenlet.value
		if err != nil {
			return err
		}
		fmt.Printf("  %s\n", v)
	}
	if took := time.Since(t0); took >= sum {
		return fmt.Errorf("the futures took %v, the sum of their sleeps", took)
	}
	fmt.Printf("main: all done after %v\n", time.Since(t0).Round(10*time.Millisecond))
	return ex.Shutdown(ctx)
}
