package mproc_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"mproc"
)

var (
	psSquare = mproc.Register[int, int]("psmoke.square", func(x int) int { return x * x })
	psSleep  = mproc.Register[time.Duration, int]("psmoke.sleep", func(ctx context.Context, d time.Duration) (int, error) {
		select {
		case <-time.After(d):
			return os.Getpid(), nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	})
	psHang = mproc.Register[mproc.None, int]("psmoke.hang", func() int { time.Sleep(time.Hour); return 0 })
)

func TestSmokePool(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p, err := mproc.NewPool(ctx, mproc.WithWorkers(2))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { p.Terminate(); p.Join(ctx) }()
	xs := make([]int, 100000)
	for i := range xs {
		xs[i] = i
	}
	start := time.Now()
	ys, err := psSquare.Map(ctx, p, xs)
	if err != nil || len(ys) != len(xs) || ys[999] != 999*999 {
		t.Fatalf("map: %d results, %v", len(ys), err)
	}
	t.Logf("map of %d: %v", len(xs), time.Since(start))
	start = time.Now()
	var futs []*mproc.Future[int]
	for i := range 2000 {
		futs = append(futs, psSquare.Submit(ctx, p, i))
	}
	for i, f := range futs {
		if v, err := f.Get(ctx); err != nil || v != i*i {
			t.Fatalf("submit %d: %d %v", i, v, err)
		}
	}
	t.Logf("2000 submits: %v", time.Since(start))
	start = time.Now()
	for i := range 200 {
		if v, err := psSquare.Apply(ctx, p, i); err != nil || v != i*i {
			t.Fatal(v, err)
		}
	}
	t.Logf("apply round trip: %v", time.Since(start)/200)
	t.Logf("workers: %+v", p.Workers())

	// A worker killed in the middle of a task.
	f := psHang.Submit(ctx, p, mproc.None{})
	for {
		if ws := p.Workers(); len(ws) > 0 && (ws[0].Task != "" || ws[1].Task != "") {
			for _, w := range ws {
				if w.Task == "psmoke.hang" {
					syscallKill(w.Pid)
				}
			}
			break
		}
		time.Sleep(time.Millisecond)
	}
	_, err = f.Get(ctx)
	var wl *mproc.WorkerLostError
	if !errors.As(err, &wl) {
		t.Fatalf("killed worker: %v", err)
	}
	t.Log(err)
	if v, err := psSquare.Apply(ctx, p, 7); err != nil || v != 49 {
		t.Fatalf("after a loss: %d %v", v, err)
	}
	p.Close()
	if err := p.Join(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestSmokePoolTimeout(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p, err := mproc.NewPool(ctx, mproc.WithWorkers(1), mproc.WithTaskTimeout(100*time.Millisecond), mproc.WithTaskGrace(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { p.Terminate(); p.Join(ctx) }()
	start := time.Now()
	_, err = psHang.Apply(ctx, p, mproc.None{})
	if !errors.Is(err, mproc.ErrTimeout) {
		t.Fatalf("hang: %v", err)
	}
	t.Logf("hang timed out after %v: %v", time.Since(start), err)
	_, err = psSleep.Apply(ctx, p, time.Minute)
	if !errors.Is(err, mproc.ErrTimeout) {
		t.Fatalf("sleep: %v", err)
	}
	t.Logf("cooperative: %v", err)
	if v, err := psSquare.Apply(ctx, p, 3); err != nil || v != 9 {
		t.Fatal(v, err)
	}
}

func TestSmokeMapProgress(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p, err := mproc.NewPool(ctx, mproc.WithWorkers(2))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { p.Terminate(); p.Join(ctx) }()
	var seen []int
	xs := make([]int, 1000)
	if _, err := psSquare.Map(ctx, p, xs, mproc.WithChunk(100), mproc.WithProgress(func(done, total int) {
		if total != 1000 {
			t.Errorf("total %d", total)
		}
		seen = append(seen, done)
	})); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 10 || seen[9] != 1000 || seen[0] != 100 {
		t.Fatalf("progress calls: %v", seen)
	}
}
