package cluster_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"mproc"
	"mproc/cluster"
	"mproc/internal/testmain"
)

func TestPoolSubmitApplyMapImap(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 60*time.Second)
	s := startNATS(t)
	c := connect(t, ctx, s.url())
	serveHere(t, c, cluster.WithPool("basic"), cluster.WithWorkers(2))
	p := newPool(t, ctx, c, "basic", cluster.WithWorkers(2))

	if got, err := Square.Submit(ctx, p, 7).Get(ctx); err != nil || got != 49 {
		t.Fatalf("Submit: %d, %v; want 49", got, err)
	}
	if got, err := Square.Apply(ctx, p, -3); err != nil || got != 9 {
		t.Fatalf("Apply: %d, %v; want 9", got, err)
	}
	xs := make([]int, 100)
	want := make([]int, 100)
	for i := range xs {
		xs[i], want[i] = i, i*i
	}
	got, err := Square.Map(ctx, p, xs)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("Map: %v, %v", got, err)
	}
	got, err = Square.Map(ctx, p, xs, mproc.WithChunk(1))
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("Map chunk 1: %v, %v", got, err)
	}
	var imap []int
	for r, err := range Square.Imap(ctx, p, slices.Values(xs[:20])) {
		if err != nil {
			t.Fatal(err)
		}
		imap = append(imap, r)
	}
	if !slices.Equal(imap, want[:20]) {
		t.Fatalf("Imap: %v", imap)
	}
	if got, err := Square.Map(ctx, p, nil); err != nil || len(got) != 0 {
		t.Fatalf("Map of nothing: %v, %v", got, err)
	}
}

func TestPoolErrors(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 60*time.Second)
	s := startNATS(t)
	c := connect(t, ctx, s.url())
	serveHere(t, c, cluster.WithPool("errs"), cluster.WithWorkers(2))
	p := newPool(t, ctx, c, "errs", cluster.WithMaxDeliveries(2))

	_, err := Fail.Apply(ctx, p, -5)
	var re *mproc.RemoteError
	if !errors.As(err, &re) || re.Message != "negative: -5" || !strings.Contains(re.Name, "PoolWorker") {
		t.Fatalf("a task's error: %#v", err)
	}
	// A Map fails with its first error, as a local pool's does.
	if _, err := Fail.Map(ctx, p, []int{1, 2, -3, 4}, mproc.WithChunk(1)); !errors.As(err, &re) || re.Message != "negative: -3" {
		t.Fatalf("Map's error: %v", err)
	}

	t.Run("deadline", func(t *testing.T) {
		tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := Sleep.Submit(tctx, p, time.Minute).Get(ctx)
		if !errors.Is(err, mproc.ErrTimeout) {
			t.Fatalf("a task past its deadline: %v; want ErrTimeout", err)
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Fatalf("the timeout took %v", d)
		}
	})
	t.Run("max deliveries", func(t *testing.T) {
		// The local worker dies on every delivery: the task fails after two.
		_, err := Crash.Apply(ctx, p, 1)
		var de *cluster.DeliveryError
		if !errors.As(err, &de) || de.Deliveries != 2 {
			t.Fatalf("a task that kills its worker: %v; want a DeliveryError after 2 deliveries", err)
		}
		if !strings.Contains(de.Error(), "exit") && !strings.Contains(de.Error(), "3") {
			t.Errorf("the last delivery's error says nothing of the worker's end: %v", de)
		}
		// The pool goes on.
		if got, err := Square.Apply(ctx, p, 4); err != nil || got != 16 {
			t.Fatalf("after the crashes: %d, %v", got, err)
		}
	})
	t.Run("unencodable", func(t *testing.T) {
		// Refused at Submit, as by a local pool: nothing reaches a worker.
		if _, err := AnyArg.Apply(ctx, p, func() {}); !errors.Is(err, mproc.ErrUnencodable) {
			t.Fatalf("a func in a cluster task: %v; want ErrUnencodable", err)
		}
	})
}

var AnyArg = mproc.Register[any, int]("cluster_test.any", func(any) int { return 1 })

func TestPoolTaskTimeout(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 60*time.Second)
	s := startNATS(t)
	c := connect(t, ctx, s.url())
	serveHere(t, c, cluster.WithPool("tmo"), cluster.WithWorkers(1), cluster.WithTaskGrace(200*time.Millisecond))
	p := newPool(t, ctx, c, "tmo", cluster.WithTaskTimeout(300*time.Millisecond))
	if _, err := Sleep.Apply(ctx, p, time.Minute); !errors.Is(err, mproc.ErrTimeout) {
		t.Fatalf("a task past the pool's timeout: %v; want ErrTimeout", err)
	}
	if got, err := Sleep.Apply(ctx, p, time.Millisecond); err != nil || got != 1 {
		t.Fatalf("a quick task after: %d, %v", got, err)
	}
}

func TestBadNames(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	s := startNATS(t)
	c := connect(t, ctx, s.url())
	for _, name := range []string{"", "a.b", "a b", "a*", strings.Repeat("x", 65)} {
		if _, err := cluster.NewPool(ctx, c, name); !errors.Is(err, cluster.ErrBadName) {
			t.Errorf("NewPool(%q): %v; want ErrBadName", name, err)
		}
	}
}
