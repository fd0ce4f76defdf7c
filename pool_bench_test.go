package mproc_test

import (
	"context"
	"testing"
	"time"

	"mproc"
)

// BenchmarkPoolAsync is the bench group pool_async as a Go benchmark, for
// profiling the parent: 20,000 Submits on 2 workers, then a Get of each.
// The ctx has a deadline, as the bench's does, so every task carries one.
func BenchmarkPoolAsync(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := mproc.NewPool(ctx, mproc.WithWorkers(2))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { p.Terminate(); p.Join(ctx) }()
	const n = 20_000
	fs := make([]*mproc.Future[int], n)
	for b.Loop() {
		for i := range fs {
			fs[i] = ptSquare.Submit(ctx, p, i)
		}
		for i, f := range fs {
			if v, err := f.Get(ctx); err != nil || v != i*i {
				b.Fatalf("task %d: %d, %v", i, v, err)
			}
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "tasks/s")
}

// BenchmarkPoolApply is the bench group pool_apply: synchronous round trips.
func BenchmarkPoolApply(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := mproc.NewPool(ctx, mproc.WithWorkers(2))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { p.Terminate(); p.Join(ctx) }()
	i := 0
	for b.Loop() {
		if v, err := ptSquare.Apply(ctx, p, i); err != nil || v != i*i {
			b.Fatalf("apply %d: %d, %v", i, v, err)
		}
		i++
	}
}

// BenchmarkPoolMap is the bench group pool_map's tiny-task map: a Map of
// 1,000,000 ints on 2 workers with CPython's default chunk size.
func BenchmarkPoolMap(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := mproc.NewPool(ctx, mproc.WithWorkers(2))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { p.Terminate(); p.Join(ctx) }()
	xs := make([]int, 1_000_000)
	for i := range xs {
		xs[i] = i
	}
	for b.Loop() {
		r, err := ptSquare.Map(ctx, p, xs)
		if err != nil || r[len(r)-1] != (len(xs)-1)*(len(xs)-1) {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(xs)*b.N)/b.Elapsed().Seconds(), "items/s")
}
