package bench

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"mproc"
)

// The pool groups mirror python_ref.py's pool_map_tiny, pool_apply_async
// and pool_apply_sync_latency: a pool of 2 workers running square, or noop
// for the warm-up.

var (
	poolSquare = mproc.Register[int, int]("bench.pool.square", func(x int) int { return x * x })
	poolNoop   = mproc.Register[mproc.None, mproc.None]("bench.pool.noop", func() {})
	// spin burns CPU for the CPU-bound map: n rounds of an LCG.
	poolSpin = mproc.Register[int, uint64]("bench.pool.spin", func(n int) uint64 {
		x := uint64(n)
		for range 2_000_000 {
			x = x*6364136223846793005 + 1442695040888963407
		}
		return x
	})
)

const poolTimeout = 2 * time.Minute

func init() {
	Register(Group{
		Name: "pool_map",
		Metrics: []Metric{
			{Name: "pool_map_tiny_tasks", Unit: "items/s", Python: "pool_map_tiny_tasks"},
			{Name: "pool_map_cpu_speedup", Unit: "x"},
		},
		Run: runPoolMap,
	})
	Register(Group{
		Name:    "pool_async",
		Metrics: []Metric{{Name: "pool_apply_async_tasks", Unit: "tasks/s", Python: "pool_apply_async_tasks"}},
		Run:     runPoolAsync,
	})
	Register(Group{
		Name:    "pool_apply",
		Metrics: []Metric{{Name: "pool_apply_roundtrip_latency", Unit: "us/op", Python: "pool_apply_roundtrip_latency"}},
		Run:     runPoolApply,
	})
}

// withPool runs body with a pool of n workers, always torn down.
func withPool(ctx context.Context, n int, body func(ctx context.Context, p *mproc.Pool) error) error {
	ctx, cancel := context.WithTimeout(ctx, poolTimeout)
	defer cancel()
	p, err := mproc.NewPool(ctx, mproc.WithWorkers(n))
	if err != nil {
		return err
	}
	defer func() {
		p.Terminate()
		p.Join(ctx)
	}()
	return body(ctx, p)
}

// runPoolMap: pool.map(square, range(1000)) to warm up, then a timed
// pool.map(square, range(n)) with CPython's default chunk size; and the
// speed-up of a CPU-bound map on all the CPUs against one worker.
func runPoolMap(ctx context.Context, scale float64) ([]Result, error) {
	n := N(1_000_000, scale)
	xs := make([]int, n)
	for i := range xs {
		xs[i] = i
	}
	var rate float64
	err := withPool(ctx, 2, func(ctx context.Context, p *mproc.Pool) error {
		if _, err := poolSquare.Map(ctx, p, xs[:min(n, 1000)]); err != nil {
			return err
		}
		start := time.Now()
		r, err := poolSquare.Map(ctx, p, xs)
		dt := time.Since(start)
		if err != nil {
			return err
		}
		if want := (n - 1) * (n - 1); r[n-1] != want {
			return fmt.Errorf("map: last square %d, want %d", r[n-1], want)
		}
		rate = float64(n) / dt.Seconds()
		return nil
	})
	if err != nil {
		return nil, err
	}
	speedup, err := cpuSpeedup(ctx, scale)
	if err != nil {
		return nil, err
	}
	return []Result{
		{Name: "pool_map_tiny_tasks", Unit: "items/s", Value: rate, N: n},
		{Name: "pool_map_cpu_speedup", Unit: "x", Value: speedup, N: runtime.NumCPU()},
	}, nil
}

// cpuSpeedup times a CPU-bound map on one worker and on runtime.NumCPU() workers.
func cpuSpeedup(ctx context.Context, scale float64) (float64, error) {
	tasks := make([]int, max(4*runtime.NumCPU(), N(40, scale)))
	for i := range tasks {
		tasks[i] = i
	}
	timeMap := func(workers int) (time.Duration, error) {
		var dt time.Duration
		err := withPool(ctx, workers, func(ctx context.Context, p *mproc.Pool) error {
			start := time.Now()
			_, err := poolSpin.Map(ctx, p, tasks, mproc.WithChunk(1))
			dt = time.Since(start)
			return err
		})
		return dt, err
	}
	one, err := timeMap(1)
	if err != nil {
		return 0, err
	}
	all, err := timeMap(runtime.NumCPU())
	if err != nil {
		return 0, err
	}
	return one.Seconds() / all.Seconds(), nil
}

// runPoolAsync: n apply_async(square, (i,)) calls, then every get().
func runPoolAsync(ctx context.Context, scale float64) ([]Result, error) {
	n := N(20_000, scale)
	var rate float64
	err := withPool(ctx, 2, func(ctx context.Context, p *mproc.Pool) error {
		if _, err := poolNoop.Apply(ctx, p, mproc.None{}); err != nil {
			return err
		}
		start := time.Now()
		fs := make([]*mproc.Future[int], n)
		for i := range fs {
			fs[i] = poolSquare.Submit(ctx, p, i)
		}
		for i, f := range fs {
			if v, err := f.Get(ctx); err != nil || v != i*i {
				return fmt.Errorf("task %d: %d, %v", i, v, err)
			}
		}
		rate = float64(n) / time.Since(start).Seconds()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return []Result{{Name: "pool_apply_async_tasks", Unit: "tasks/s", Value: rate, N: n}}, nil
}

// runPoolApply: n synchronous apply(square, (i,)) round trips.
func runPoolApply(ctx context.Context, scale float64) ([]Result, error) {
	n := N(5_000, scale)
	var us float64
	err := withPool(ctx, 2, func(ctx context.Context, p *mproc.Pool) error {
		if _, err := poolNoop.Apply(ctx, p, mproc.None{}); err != nil {
			return err
		}
		start := time.Now()
		for i := range n {
			if v, err := poolSquare.Apply(ctx, p, i); err != nil || v != i*i {
				return fmt.Errorf("apply %d: %d, %v", i, v, err)
			}
		}
		us = float64(time.Since(start).Microseconds()) / float64(n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return []Result{{Name: "pool_apply_roundtrip_latency", Unit: "us/op", Value: us, N: n}}, nil
}
