// Command parallel shows parallel versus concurrent: the same CPU-bound job
// runs twice, in two child processes (in parallel, a core each, when the
// machine has two free) and in two goroutines of one child limited to one
// core with GOMAXPROCS(1) (concurrently: they take turns, time slices of one
// core). Each run reports its wall time and the CPU time it used; their
// ratio is how many cores worked at once.
//
// Run it with: go run ./examples/parallel
package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"mproc"
)

const rounds = 20_000_000 // of xorshift: some tens of milliseconds of CPU

type report struct {
	Start, End int64 // UnixNano
	CPU        time.Duration
}

func spin(n int) uint64 {
	x := uint64(88172645463325252)
	for range n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// timed runs work and reports its span and this process's CPU time for it.
func timed(work func()) report {
	cpu0, t0 := cpuTime(), time.Now()
	work()
	return report{Start: t0.UnixNano(), End: time.Now().UnixNano(), CPU: cpuTime() - cpu0}
}

var sink sync.Map // keeps spin's results alive

var job = mproc.Register[int, report]("parallel.job", func(n int) report {
	return timed(func() { sink.Store(n, spin(n)) })
})

// oneCore runs two jobs as goroutines on one core.
var oneCore = mproc.Register[int, report]("parallel.onecore", func(n int) report {
	runtime.GOMAXPROCS(1)
	return timed(func() {
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() { sink.Store(i, spin(n)) })
		}
		wg.Wait()
	})
})

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "parallel:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	fmt.Printf("%d cores\n", runtime.NumCPU())
	// Two processes, one job each.
	a, err := job.Start(ctx, rounds)
	if err != nil {
		return err
	}
	b, err := job.Start(ctx, rounds)
	if err != nil {
		return err
	}
	ra, err := a.Wait(ctx)
	if err != nil {
		return err
	}
	rb, err := b.Wait(ctx)
	if err != nil {
		return err
	}
	both := report{Start: min(ra.Start, rb.Start), End: max(ra.End, rb.End), CPU: ra.CPU + rb.CPU}
	show("2 processes (parallel)", both)

	// Two goroutines taking turns on one core.
	one, err := oneCore.Call(ctx, rounds)
	if err != nil {
		return err
	}
	show("2 goroutines, GOMAXPROCS(1)", one)
	if ratio(one) > 1.3 {
		return fmt.Errorf("one core did %v of work in %v", one.CPU, wall(one))
	}
	fmt.Println("on one core the jobs took turns: the wall time is at least the CPU time")
	return mproc.Shutdown(ctx)
}

func wall(r report) time.Duration { return time.Duration(r.End - r.Start) }

func ratio(r report) float64 { return float64(r.CPU) / float64(max(wall(r), 1)) }

func show(what string, r report) {
	fmt.Printf("%-28s wall %-8v cpu %-8v cores at once ×%.1f\n", what, wall(r).Round(time.Millisecond), r.CPU.Round(time.Millisecond), ratio(r))
}
