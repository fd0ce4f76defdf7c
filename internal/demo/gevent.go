package demo

import (
	"context"
	"fmt"
	"sync"
	"time"

	"mproc"
)

// The seeds' coroutines: gevent.joinall([gevent.spawn(first),
// gevent.spawn(second), gevent.spawn(third)]), where each task prints,
// gevent.sleep()s and prints again, and the whole takes as long as the
// longest sleep. In Go the coroutine is the goroutine: `go` is spawn, a
// WaitGroup's Wait is joinall, and time.Sleep is gevent.sleep; no
// monkey.patch_all is needed, since every blocking call in Go lets the
// other goroutines run.

// geventSleeps are the tasks' sleeps: first, second, third.
var geventSleeps = []time.Duration{300 * time.Millisecond, 200 * time.Millisecond, 100 * time.Millisecond}

func init() {
	add(Demo{
		Name:  "gevent",
		Title: "gevent.spawn and joinall with goroutines: the total time is the longest sleep, not the sum",
		Intro: "The seeds' coroutines: three tasks, spawned with gevent.spawn and waited for with gevent.joinall, each " +
			"print, gevent.sleep and print again. While one sleeps the others run, so the whole takes as long as " +
			"the longest sleep, not the sum. Goroutines are Go's coroutines: `go f()` is spawn, sync.WaitGroup is " +
			"joinall, time.Sleep is gevent.sleep, and no monkey.patch_all is needed: every blocking call in Go " +
			"(sleeps, sockets, pipes) lets other goroutines run. Then the same with mproc's GoExecutor, whose " +
			"Futures are the process pool's: mproc.Go is spawn and mproc.WaitFutures is joinall.",
		Run: stage(runGevent),
	})
}

func runGevent(ctx context.Context, con *console, _ *[]*mproc.Process) error {
	names := []string{"1", "2", "3"}
	var sum, longest time.Duration
	for _, d := range geventSleeps {
		sum += d
		longest = max(longest, d)
	}

	// 1. go and a WaitGroup.
	con.Printf("1. gevent.joinall([gevent.spawn(first), gevent.spawn(second), gevent.spawn(third)])\n" +
		"   →  var wg sync.WaitGroup; wg.Go(first); wg.Go(second); wg.Go(third); wg.Wait()")
	t0 := time.Now()
	var wg sync.WaitGroup
	for i, d := range geventSleeps {
		wg.Go(func() {
			con.Printf("  运行%s (running %s): gevent.sleep(%v)  →  time.Sleep", names[i], names[i], d)
			time.Sleep(d)
			con.Printf("  回到%s (back in %s) after %v", names[i], names[i], time.Since(t0).Round(10*time.Millisecond))
		})
	}
	wg.Wait()
	took := time.Since(t0)
	con.Printf("main: joinall returned after %v: the longest sleep is %v, the sum %v", took.Round(time.Millisecond), longest, sum)
	if took >= sum {
		return fmt.Errorf("gevent: the tasks took %v, as long as the sum of their sleeps (%v)", took, sum)
	}

	// 2. mproc.Go and WaitFutures.
	con.Printf("\n2. The same with futures: ex, _ := mproc.NewGoExecutor(3); futs = mproc.Go(ctx, ex, task) ×3;\n" +
		"   mproc.WaitFutures(ctx, mproc.AllCompleted, futs...)  (greenlet.value → fut.Get)")
	ex, err := mproc.NewGoExecutor(len(geventSleeps))
	if err != nil {
		return err
	}
	defer func() { ex.CancelPending(); ex.Shutdown(context.Background()) }()
	t0 = time.Now()
	var futs []*mproc.Future[string]
	for i, d := range geventSleeps {
		futs = append(futs, mproc.Go(ctx, ex, func(ctx context.Context) (string, error) {
			select { // a sleep that ends early if ctx does
			case <-time.After(d):
			case <-ctx.Done():
				return "", ctx.Err()
			}
			return fmt.Sprintf("%s slept %v", names[i], d), nil
		}))
	}
	if _, _, err := mproc.WaitFutures(ctx, mproc.AllCompleted, futs...); err != nil {
		return err
	}
	took2 := time.Since(t0)
	for _, f := range futs {
		v, err := f.Get(ctx)
		if err != nil {
			return err
		}
		con.Printf("  fut.Get() → %q", v)
	}
	con.Printf("main: all done after %v (longest %v, sum %v)", took2.Round(time.Millisecond), longest, sum)
	if took2 >= sum {
		return fmt.Errorf("gevent: the futures took %v, as long as the sum of their sleeps (%v)", took2, sum)
	}
	con.Printf("   Total ≈ the longest wait (%v), not the sum (%v): while one task waits, the others run.\n"+
		"   Unlike greenlets, goroutines also run in parallel on several cores, and the scheduler preempts a\n"+
		"   goroutine that computes without blocking; gevent's one thread would wait for it. A GoExecutor's\n"+
		"   futures are the process pool's, so a task can move to processes (Func.Submit on an mproc.Pool)\n"+
		"   without changing the code that waits for it.", longest, sum)
	return ex.Shutdown(ctx)
}
