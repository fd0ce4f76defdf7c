package mproc_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mproc"
)

// TestExecutor covers the Executor interface: a Pool and a GoExecutor take
// the same registered functions and give the same Futures; GoExecutor
// runs closures too. Not parallel itself; its subtests run in parallel.
func TestExecutor(t *testing.T) {
	ptArea(t)
	parallel(t, "SameFuncOnBoth", testExecutorSameFuncOnBoth)
	parallel(t, "PanicCarriesStack", testExecutorPanicCarriesStack)
	parallel(t, "GoClosures", testExecutorGoClosures)
	parallel(t, "GoPanic", testExecutorGoPanic)
	parallel(t, "GoShutdownWaits", testExecutorGoShutdownWaits)
	parallel(t, "GoShutdownCancelsPending", testExecutorGoShutdownCancels)
	parallel(t, "BadSize", testExecutorBadSize)
	parallel(t, "PoolShutdown", testExecutorPoolShutdown)
	parallel(t, "PoolShutdownCancelsPending", testExecutorPoolShutdownCancels)
}

func ptGoExecutor(t *testing.T, n int) *mproc.GoExecutor {
	t.Helper()
	e, err := mproc.NewGoExecutor(n)
	if err != nil {
		t.Fatalf("NewGoExecutor(%d): %v", n, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		e.CancelPending()
		if err := e.Shutdown(ctx); err != nil {
			t.Errorf("GoExecutor Shutdown: %v", err)
		}
	})
	return e
}

// exercise runs the same registered functions through every method on ex
// and returns where ptPid ran.
func exercise(t *testing.T, ctx context.Context, ex mproc.Executor) int {
	t.Helper()
	var f *mproc.Future[int] = ptSquare.Submit(ctx, ex, 9)
	if v, err := ptGet(t, f, 20*time.Second); err != nil || v != 81 {
		t.Fatalf("Submit: %d, %v", v, err)
	}
	if v, err := ptSquare.Apply(ctx, ex, 12); err != nil || v != 144 {
		t.Fatalf("Apply: %d, %v", v, err)
	}
	xs := ptRange(257)
	inOrder := func(what string, ys []int, err error) {
		t.Helper()
		if err != nil || len(ys) != len(xs) {
			t.Fatalf("%s: %d results, %v", what, len(ys), err)
		}
		for i, y := range ys {
			if y != i*i {
				t.Fatalf("%s: result %d is %d", what, i, y)
			}
		}
	}
	for _, opts := range [][]mproc.MapOption{nil, {mproc.WithChunk(1)}, {mproc.WithChunk(10)}, {mproc.WithChunk(1000)}} {
		ys, err := ptSquare.Map(ctx, ex, xs, opts...)
		inOrder(fmt.Sprintf("Map %d", len(opts)), ys, err)
		ys, err = ptGet(t, ptSquare.MapAsync(ctx, ex, xs, opts...), 20*time.Second)
		inOrder(fmt.Sprintf("MapAsync %d", len(opts)), ys, err)
	}
	var ys []int
	for y, err := range ptSquare.Imap(ctx, ex, slices.Values(xs), mproc.WithChunk(4)) {
		if err != nil {
			t.Fatal(err)
		}
		ys = append(ys, y)
	}
	inOrder("Imap", ys, nil)
	ys = ys[:0]
	for y, err := range ptSquare.ImapUnordered(ctx, ex, slices.Values(xs)) {
		if err != nil {
			t.Fatal(err)
		}
		ys = append(ys, y)
	}
	slices.Sort(ys)
	inOrder("ImapUnordered", ys, nil)
	sums, err := ptAdd.Map(ctx, ex, []pair{{A: 1, B: 2}, {A: 3, B: 4}})
	if err != nil || !slices.Equal(sums, []int{3, 7}) {
		t.Fatalf("Map of pairs: %v, %v", sums, err)
	}
	if _, err := ptFail.Apply(ctx, ex, "failed on either"); err == nil || !strings.Contains(err.Error(), "failed on either") {
		t.Fatalf("a failing task: %v", err)
	}
	var args []ptTask
	for x := range 20 {
		args = append(args, ptTask{X: x, FailAt: 13})
	}
	if _, err := ptWork.Map(ctx, ex, args); err == nil || !strings.Contains(err.Error(), "item 13 failed") {
		t.Fatalf("a failing Map: %v", err)
	}
	pid, err := ptPid.Apply(ctx, ex, mproc.None{})
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// The same registered Func runs on a GoExecutor (in this process) and on a
// Pool (in workers), through the same methods, with the same Futures.
func testExecutorSameFuncOnBoth(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	g := ptGoExecutor(t, 50)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	for _, c := range []struct {
		name     string
		ex       mproc.Executor
		inParent bool
	}{{"GoExecutor", g, true}, {"Pool", p, false}} {
		pid := exercise(t, ctx, c.ex)
		if (pid == os.Getpid()) != c.inParent {
			t.Fatalf("%s: ptPid ran in %d; this process is %d", c.name, pid, os.Getpid())
		}
		if err := c.ex.Shutdown(ctx); err != nil {
			t.Fatalf("%s: Shutdown: %v", c.name, err)
		}
		if _, err := ptGet(t, ptSquare.Submit(ctx, c.ex, 2), 10*time.Second); !errors.Is(err, mproc.ErrClosed) {
			t.Fatalf("%s: Submit after Shutdown: %v, want ErrClosed", c.name, err)
		}
	}
}

// ptStack returns the stack a task's panic carries: a *RemoteError's or
// *PanicError's, or
// the error's own text if it holds one.
func ptStack(err error) string {
	var re *mproc.RemoteError
	if errors.As(err, &re) {
		return re.Stack
	}
	if pe, ok := errors.AsType[*mproc.PanicError](err); ok {
		return pe.Stack
	}
	if s := err.Error(); strings.Contains(s, "goroutine ") {
		return s
	}
	return ""
}

// A panicking task fails its future with the panic's value and the stack,
// on either executor.
func testExecutorPanicCarriesStack(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	g := ptGoExecutor(t, 4)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	for _, c := range []struct {
		name string
		ex   mproc.Executor
	}{{"Pool", p}, {"GoExecutor", g}} {
		_, err := ptGet(t, ptPanic.Submit(ctx, c.ex, "kaboom"), 10*time.Second)
		if err == nil || !strings.Contains(err.Error(), "kaboom") {
			t.Errorf("%s: %v, want the panic's value", c.name, err)
			continue
		}
		if st := ptStack(err); !strings.Contains(st, "pool_helpers_test.go") {
			t.Errorf("%s: the panic's stack can't be had from the error %T %q", c.name, err, err)
		}
	}
}

// Go runs closures on the executor's goroutines, in this process, 50 at a
// time with NewGoExecutor(50).
func testExecutorGoClosures(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	e := ptGoExecutor(t, 50)
	var entered atomic.Int32
	all := make(chan struct{})
	var futs []*mproc.Future[int]
	for i := range 50 {
		futs = append(futs, mproc.Go(ctx, e, func(ctx context.Context) (int, error) {
			if entered.Add(1) == 50 {
				close(all)
			}
			select { // every closure waits for all 50 to run at once
			case <-all:
			case <-ctx.Done():
				return 0, ctx.Err()
			}
			return i * os.Getpid(), nil
		}))
	}
	for i, f := range futs {
		if v, err := ptGet(t, f, 20*time.Second); err != nil || v != i*os.Getpid() {
			t.Fatalf("closure %d: %d, %v (%d entered)", i, v, err, entered.Load())
		}
	}
	_, err := ptGet(t, mproc.Go(ctx, e, func(context.Context) (string, error) { return "", errors.New("closure error") }), 5*time.Second)
	if err == nil || err.Error() != "closure error" {
		t.Fatalf("a failing closure: %v", err)
	}
	// The closure gets the ctx given to Go.
	cctx, cancel := context.WithCancel(ctx)
	f := mproc.Go(cctx, e, func(ctx context.Context) (mproc.None, error) { <-ctx.Done(); return mproc.None{}, ctx.Err() })
	cancel()
	if _, err := ptGet(t, f, 5*time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("a closure whose ctx ended: %v", err)
	}
}

// A panic in a closure fails its future with the value and the stack; the
// executor goes on.
func testExecutorGoPanic(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	e := ptGoExecutor(t, 2)
	f := mproc.Go(ctx, e, func(context.Context) (int, error) { panic("closure kaboom") })
	_, err := ptGet(t, f, 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "closure kaboom") {
		t.Fatalf("a panicking closure: %v", err)
	}
	if st := ptStack(err); !strings.Contains(st, "executor_test.go") {
		t.Errorf("the closure's stack can't be had from the error %T %q", err, err)
	}
	if v, err := ptGet(t, mproc.Go(ctx, e, func(context.Context) (int, error) { return 5, nil }), 5*time.Second); err != nil || v != 5 {
		t.Fatalf("after a panic: %d, %v", v, err)
	}
}

// Shutdown(ctx) waits for running and queued tasks; nothing more is
// taken.
func testExecutorGoShutdownWaits(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	e := ptGoExecutor(t, 2)
	release := make(chan struct{})
	var started atomic.Int32
	var futs []*mproc.Future[int]
	for i := range 6 {
		futs = append(futs, mproc.Go(ctx, e, func(context.Context) (int, error) {
			started.Add(1)
			<-release
			return i, nil
		}))
	}
	ptPoll(t, ctx, "two closures run", func() bool { return started.Load() == 2 })
	shut := make(chan error, 1)
	go func() { shut <- e.Shutdown(ctx) }()
	for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		select {
		case err := <-shut:
			t.Fatalf("Shutdown returned (%v) while tasks were running", err)
		default:
		}
	}
	if _, err := ptGet(t, mproc.Go(ctx, e, func(context.Context) (int, error) { return 0, nil }), 5*time.Second); !errors.Is(err, mproc.ErrClosed) {
		t.Fatalf("Go during Shutdown: %v, want ErrClosed", err)
	}
	close(release)
	select {
	case err := <-shut:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("Shutdown never returned")
	}
	for i, f := range futs {
		if !ready(f) {
			t.Fatalf("task %d not done when Shutdown returned", i)
		}
		if v, err := ptGet(t, f, time.Second); err != nil || v != i {
			t.Fatalf("task %d: %d, %v", i, v, err)
		}
	}
	// Shutdown waits for the OnDone callbacks too.
	e3 := ptGoExecutor(t, 1)
	cbRelease, cbEntered := make(chan struct{}), make(chan struct{})
	mproc.Go(ctx, e3, func(context.Context) (int, error) { return 0, nil }).OnDone(func(*mproc.Future[int]) {
		close(cbEntered)
		<-cbRelease
	})
	<-cbEntered
	shut3 := make(chan error, 1)
	go func() { shut3 <- e3.Shutdown(ctx) }()
	for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		select {
		case err := <-shut3:
			t.Fatalf("Shutdown returned (%v) while a callback was running", err)
		default:
		}
	}
	close(cbRelease)
	if err := <-shut3; err != nil {
		t.Fatal(err)
	}

	// Shutdown with a ctx that ends first returns its error.
	e2 := ptGoExecutor(t, 1)
	block := make(chan struct{})
	defer close(block)
	mproc.Go(ctx, e2, func(context.Context) (int, error) { <-block; return 0, nil })
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := e2.Shutdown(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown past its deadline: %v", err)
	}
}

// CancelPending, then Shutdown (CPython's shutdown(cancel_futures=True)):
// the tasks not started fail with ErrCancelled at once; running ones finish.
func testExecutorGoShutdownCancels(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	e := ptGoExecutor(t, 1)
	release, started := make(chan struct{}), make(chan struct{})
	running := mproc.Go(ctx, e, func(context.Context) (int, error) { close(started); <-release; return 1, nil })
	select {
	case <-started:
	case <-ctx.Done():
		t.Fatal("the first closure never ran")
	}
	var ran atomic.Int32
	var pending []*mproc.Future[int]
	for range 5 {
		pending = append(pending, mproc.Go(ctx, e, func(context.Context) (int, error) { ran.Add(1); return 2, nil }))
	}
	pending = append(pending, ptSquare.Submit(ctx, e, 3))
	shut := make(chan error, 1)
	if n := e.CancelPending(); n != len(pending) {
		t.Fatalf("CancelPending: %d, want %d", n, len(pending))
	}
	go func() { shut <- e.Shutdown(ctx) }()
	for i, f := range pending {
		if _, err := ptGet(t, f, 5*time.Second); !errors.Is(err, mproc.ErrCancelled) {
			t.Fatalf("pending task %d: %v, want ErrCancelled", i, err)
		}
	}
	if ready(running) {
		t.Fatal("the running task was cut short")
	}
	close(release)
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	if v, err := ptGet(t, running, time.Second); err != nil || v != 1 {
		t.Fatalf("the running task: %d, %v", v, err)
	}
	if ran.Load() != 0 {
		t.Fatalf("%d cancelled tasks ran", ran.Load())
	}
}

func testExecutorBadSize(t *testing.T) {
	for _, n := range []int{0, -1} {
		if e, err := mproc.NewGoExecutor(n); err == nil || e != nil {
			t.Fatalf("NewGoExecutor(%d): %v, %v; want an error", n, e, err)
		}
	}
}

// A Pool's Shutdown(ctx) waits for its tasks and ends its workers.
func testExecutorPoolShutdown(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	pids := ptWorkers(t, ctx, p, 2)
	var futs []*mproc.Future[int]
	for range 6 {
		futs = append(futs, ptSleep.Submit(ctx, p, 100*time.Millisecond))
	}
	var ex mproc.Executor = p
	if err := ex.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for i, f := range futs {
		if !ready(f) {
			t.Fatalf("task %d not done after Shutdown", i)
		}
		if _, err := ptGet(t, f, time.Second); err != nil {
			t.Fatalf("task %d: %v", i, err)
		}
	}
	for _, pid := range pids {
		ptGone(t, pid, 10*time.Second)
	}
}

// A Pool's CancelPending cancels the tasks still in its queue.
// Observed: tasks already handed to a worker's own queue (up to 16 per
// worker, here 15 behind the running one) are not cancelled and still run.
func testExecutorPoolShutdownCancels(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	f0 := ptSleep.Submit(ctx, p, 500*time.Millisecond)
	ptRunning(t, ctx, p, ptSleep.Name())
	var futs []*mproc.Future[int]
	for i := range 100 {
		futs = append(futs, ptSquare.Submit(ctx, p, i))
	}
	// Two round trips to the scheduler: it has dispatched what it could.
	p.Workers()
	p.Workers()
	n := p.CancelPending()
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ptGet(t, f0, time.Second); err != nil {
		t.Fatalf("the running task: %v", err)
	}
	cancelled, ran := 0, 0
	for i, f := range futs {
		v, err := ptGet(t, f, time.Second)
		switch {
		case errors.Is(err, mproc.ErrCancelled):
			cancelled++
		case err == nil && v == i*i:
			ran++
		default:
			t.Fatalf("task %d: %d, %v", i, v, err)
		}
	}
	t.Logf("CancelPending behind a running task: %d cancelled, %d ran", cancelled, ran)
	if cancelled == 0 || cancelled != n {
		t.Fatalf("%d cancelled, CancelPending said %d", cancelled, n)
	}
}
