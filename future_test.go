package mproc_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime/metrics"
	"slices"
	"testing"
	"time"

	"mproc"
)

// TestFuture covers Future, WaitFutures and AsCompleted with tasks in pool
// workers. Not parallel itself; its subtests run in parallel.
func TestFuture(t *testing.T) {
	ptArea(t)
	parallel(t, "GetDeadline", testFutureGetDeadline)
	parallel(t, "DoneReadySuccessful", testFutureDoneReadySuccessful)
	parallel(t, "CancelQueued", testFutureCancelQueued)
	parallel(t, "CancelFinishedOrRunning", testFutureCancelFinishedOrRunning)
	parallel(t, "OnDoneAfterCompletion", testFutureOnDoneAfterCompletion)
	parallel(t, "AsCompletedOrder", testFutureAsCompletedOrder)
	parallel(t, "AsCompletedCtx", testFutureAsCompletedCtx)
	parallel(t, "WaitFirstCompleted", testFutureWaitFirstCompleted)
	parallel(t, "WaitFirstError", testFutureWaitFirstError)
	parallel(t, "WaitAllCompleted", testFutureWaitAllCompleted)
	parallel(t, "WaitCtxEndsFirst", testFutureWaitCtx)
}

// WaitFutures costs in proportion to the futures it waits for: thousands
// completing one by one don't make it register callbacks (and start
// goroutines) over and over. Not parallel: it counts the goroutines this
// process creates.
func TestFutureWaitManyLinear(t *testing.T) {
	ctx := ctxTimeout(t, 120*time.Second)
	e := ptGoExecutor(t, 1)
	const n = 2000
	fs := make([]*mproc.Future[int], n)
	for i := range fs {
		fs[i] = mproc.Go(ctx, e, func(context.Context) (int, error) {
			time.Sleep(20 * time.Microsecond)
			return i, nil
		})
	}
	created := ptGoroutinesCreated()
	start := time.Now()
	done, pending, err := mproc.WaitFutures(ctx, mproc.AllCompleted, fs...)
	took := time.Since(start)
	created = ptGoroutinesCreated() - created
	if err != nil || len(done) != n || len(pending) != 0 {
		t.Fatalf("%d done, %d pending, %v", len(done), len(pending), err)
	}
	t.Logf("WaitFutures of %d futures completing one by one: %v, %d goroutines created meanwhile", n, took, created)
	if created > 10*n {
		t.Fatalf("WaitFutures of %d futures created %d goroutines (%.0f per future): its cost grows with the square of the futures", n, created, float64(created)/n)
	}
}

// ptGoroutinesCreated is how many goroutines this process has created.
func ptGoroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// Get with a deadline gives up with ErrTimeout; the task goes on and a
// later Get has its result.
func testFutureGetDeadline(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	f := ptSleep.Submit(ctx, p, 800*time.Millisecond)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.Get(short)
	if !errors.Is(err, mproc.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get past its deadline: %v, want ErrTimeout and DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 700*time.Millisecond {
		t.Fatalf("Get with a 100ms deadline took %v", took)
	}
	if ready(f) {
		t.Fatal("ready before the task is done")
	}
	pid, err := ptGet(t, f, 20*time.Second)
	if err != nil || pid <= 0 || pid == os.Getpid() {
		t.Fatalf("the later Get: %d, %v", pid, err)
	}
	// A done future gives its result even to a ctx that has ended.
	if got, err := f.Get(expired()); err != nil || got != pid {
		t.Fatalf("Get of a done future with an ended ctx: %d, %v", got, err)
	}
}

func testFutureDoneReadySuccessful(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	gate := filepath.Join(t.TempDir(), "gate")
	ok := ptWaitFile.Submit(ctx, p, gate)
	bad := ptFail.Submit(ctx, p, "bad")
	select {
	case <-ok.Done():
		t.Fatal("Done is closed before the task ran")
	default:
	}
	if ready(ok) {
		t.Fatal("Ready before the task ran")
	}
	if _, _, done := ok.Result(); done {
		t.Fatal("Result says done before the task ran")
	}
	os.WriteFile(gate, nil, 0o644)
	for _, f := range []*mproc.Future[int]{ok, bad} {
		select {
		case <-f.Done():
		case <-ctx.Done():
			t.Fatal("Done never closed")
		}
		if !ready(f) {
			t.Fatal("Done closed but not Ready")
		}
	}
	if _, err, done := bad.Result(); !done || err == nil {
		t.Fatalf("Result of a task that failed: %v, %v", err, done)
	}
	if v, err, done := ok.Result(); !done || err != nil || v <= 0 {
		t.Fatalf("Result: %d, %v, %v", v, err, done)
	}
	if _, err, done := bad.Result(); !done || err == nil {
		t.Fatalf("Result of the failure: %v, %v", err, done)
	}
}

// A task queued behind long tasks can be cancelled: Cancel says so, Get
// gives ErrCancelled, and the task never runs.
func testFutureCancelQueued(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	dir := t.TempDir()
	gate, mark := filepath.Join(dir, "gate"), filepath.Join(dir, "ran")
	long := []*mproc.Future[int]{ptWaitFile.Submit(ctx, p, gate)}
	ptRunning(t, ctx, p, ptWaitFile.Name())
	// Right behind one running task.
	g := ptTouch.Submit(ctx, p, mark)
	p.Workers() // a round trip to the scheduler: it has dispatched what it would
	if !g.Cancel() {
		t.Fatal("Cancel of a task queued behind a long one returned false")
	}
	// Behind many.
	for range 40 {
		long = append(long, ptWaitFile.Submit(ctx, p, gate))
	}
	f := ptTouch.Submit(ctx, p, mark)
	p.Workers()
	if !f.Cancel() {
		t.Fatal("Cancel of a task queued behind 40 long ones returned false")
	}
	if !f.Cancelled() || !ready(f) {
		t.Fatalf("after Cancel: Cancelled %v, Ready %v", f.Cancelled(), ready(f))
	}
	for _, f := range []*mproc.Future[int]{g, f} {
		if _, err := ptGet(t, f, time.Second); !errors.Is(err, mproc.ErrCancelled) {
			t.Fatalf("Get of a cancelled task: %v, want ErrCancelled", err)
		}
	}
	if !f.Cancel() {
		t.Fatal("a second Cancel returned false")
	}
	if _, err, done := f.Result(); !done || !errors.Is(err, mproc.ErrCancelled) {
		t.Fatalf("Result of a cancelled task: %v, %v", err, done)
	}
	os.WriteFile(gate, nil, 0o644)
	for i, g := range long {
		if _, err := ptGet(t, g, 30*time.Second); err != nil {
			t.Fatalf("long task %d: %v", i, err)
		}
	}
	p.Close()
	if err := p.Join(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("a cancelled task ran")
	}
}

func testFutureCancelFinishedOrRunning(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	f := ptSquare.Submit(ctx, p, 6)
	if v, err := ptGet(t, f, 10*time.Second); err != nil || v != 36 {
		t.Fatal(v, err)
	}
	if f.Cancel() || f.Cancelled() {
		t.Fatal("Cancel of a finished task returned true")
	}
	if v, err := ptGet(t, f, time.Second); err != nil || v != 36 {
		t.Fatalf("after Cancel: %d, %v", v, err)
	}
	gate := filepath.Join(t.TempDir(), "gate")
	r := ptWaitFile.Submit(ctx, p, gate)
	ptRunning(t, ctx, p, ptWaitFile.Name())
	if r.Cancel() || r.Cancelled() {
		t.Fatal("Cancel of a running task returned true")
	}
	os.WriteFile(gate, nil, 0o644)
	if _, err := ptGet(t, r, 10*time.Second); err != nil {
		t.Fatalf("the running task after a refused Cancel: %v", err)
	}
}

// OnDone on a future that is already done still runs the callback.
func testFutureOnDoneAfterCompletion(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	f := ptSquare.Submit(ctx, p, 4)
	if _, err := ptGet(t, f, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	got := make(chan int, 3)
	for range 3 {
		f.OnDone(func(f *mproc.Future[int]) { v, _, _ := f.Result(); got <- v })
	}
	for range 3 {
		select {
		case v := <-got:
			if v != 16 {
				t.Fatalf("the callback saw %d", v)
			}
		case <-ctx.Done():
			t.Fatal("OnDone on a done future never ran")
		}
	}
}

// AsCompleted yields the futures in the order they complete, then ends.
func testFutureAsCompletedOrder(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(3))
	ptWorkers(t, ctx, p, 3)
	sleeps := []time.Duration{2 * time.Second, 100 * time.Millisecond, time.Second}
	var fs []*mproc.Future[int]
	for _, d := range sleeps {
		fs = append(fs, ptSleep.Submit(ctx, p, d))
	}
	var order []int
	for f, err := range mproc.AsCompleted(ctx, fs...) {
		if err != nil {
			t.Fatal(err)
		}
		if !ready(f) {
			t.Fatal("yielded a future that is not done")
		}
		order = append(order, slices.Index(fs, f))
	}
	if !slices.Equal(order, []int{1, 2, 0}) {
		t.Fatalf("completion order %v, want [1 2 0] (sleeps %v)", order, sleeps)
	}
	// Already done futures, and none at all.
	n := 0
	for range mproc.AsCompleted(ctx, fs...) {
		n++
	}
	if n != 3 {
		t.Fatalf("AsCompleted of 3 done futures yielded %d", n)
	}
	for range mproc.AsCompleted[int](ctx) {
		t.Fatal("AsCompleted of nothing yielded")
	}
}

// When ctx ends first, AsCompleted yields a nil future with ctx's error and
// ends.
func testFutureAsCompletedCtx(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	fast := ptSquare.Submit(ctx, p, 3)
	slow := ptSleep.Submit(ctx, p, 20*time.Second)
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	var got []*mproc.Future[int]
	var errs []error
	for f, err := range mproc.AsCompleted(short, fast, slow) {
		got = append(got, f)
		errs = append(errs, err)
	}
	if len(got) != 2 || got[0] != fast || errs[0] != nil || got[1] != nil || !errors.Is(errs[1], context.DeadlineExceeded) {
		t.Fatalf("yielded %v with errors %v; want the fast one, then nil with DeadlineExceeded", got, errs)
	}
}

func testFutureWaitFirstCompleted(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	slow := ptSleep.Submit(ctx, p, 20*time.Second)
	fast := ptSleep.Submit(ctx, p, 100*time.Millisecond)
	start := time.Now()
	done, pending, err := mproc.WaitFutures(ctx, mproc.FirstCompleted, slow, fast)
	if err != nil || !slices.Equal(done, []*mproc.Future[int]{fast}) || !slices.Equal(pending, []*mproc.Future[int]{slow}) {
		t.Fatalf("FirstCompleted: done %v, pending %v, %v", done, pending, err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("FirstCompleted took %v", took)
	}
}

// FirstError returns as soon as one task fails, with the slow ones pending;
// without a failure it waits for all.
func testFutureWaitFirstError(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(3))
	slow1 := ptSleep.Submit(ctx, p, 20*time.Second)
	slow2 := ptSleep.Submit(ctx, p, 20*time.Second)
	failing := ptWork.Submit(ctx, p, ptTask{X: 1, FailAt: 1, Sleep: 200 * time.Millisecond})
	start := time.Now()
	done, pending, err := mproc.WaitFutures(ctx, mproc.FirstError, slow1, failing, slow2)
	took := time.Since(start)
	if err != nil || !slices.Equal(done, []*mproc.Future[int]{failing}) || !slices.Equal(pending, []*mproc.Future[int]{slow1, slow2}) {
		t.Fatalf("FirstError: done %v, pending %v, %v", done, pending, err)
	}
	if took > 5*time.Second {
		t.Fatalf("FirstError took %v", took)
	}
	if _, err, _ := failing.Result(); err == nil {
		t.Fatal("the failed task has no error")
	}

	// Without a failure it waits for all. (A pool of its own: the slow
	// tasks hold the others' workers.)
	p2 := ptPool(t, ctx, mproc.WithWorkers(1))
	var fs []*mproc.Future[int]
	for i := range 5 {
		fs = append(fs, ptWork.Submit(ctx, p2, ptTask{X: i, FailAt: -1, Sleep: time.Duration(i) * 50 * time.Millisecond}))
	}
	done, pending, err = mproc.WaitFutures(ctx, mproc.FirstError, fs...)
	if err != nil || len(done) != len(fs) || len(pending) != 0 {
		t.Fatalf("FirstError without failures: %d done, %d pending, %v", len(done), len(pending), err)
	}
}

func testFutureWaitAllCompleted(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	var fs []*mproc.Future[int]
	for _, d := range []time.Duration{300, 100, 200, 0} {
		fs = append(fs, ptSleep.Submit(ctx, p, d*time.Millisecond))
	}
	fs = append(fs, ptFail.Submit(ctx, p, "a failure doesn't stop AllCompleted"))
	done, pending, err := mproc.WaitFutures(ctx, mproc.AllCompleted, fs...)
	if err != nil || len(done) != len(fs) || len(pending) != 0 {
		t.Fatalf("AllCompleted: %d done, %d pending, %v", len(done), len(pending), err)
	}
	for i, f := range fs {
		if !ready(f) {
			t.Fatalf("future %d not ready", i)
		}
	}
	done, pending, err = mproc.WaitFutures[int](ctx, mproc.AllCompleted)
	if err != nil || len(done)+len(pending) != 0 {
		t.Fatalf("AllCompleted of nothing: %v %v %v", done, pending, err)
	}
}

// When ctx ends first, WaitFutures returns ctx's error with what is done
// and what is pending.
func testFutureWaitCtx(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(3)) // a worker each
	slow1 := ptSleep.Submit(ctx, p, 20*time.Second)
	slow2 := ptSleep.Submit(ctx, p, 20*time.Second)
	fast := ptSquare.Submit(ctx, p, 2)
	if _, err := ptGet(t, fast, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []mproc.WaitMode{mproc.AllCompleted, mproc.FirstError} {
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		start := time.Now()
		done, pending, err := mproc.WaitFutures(short, mode, slow1, fast, slow2)
		took := time.Since(start)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("mode %d: %v, want the ctx's error", mode, err)
		}
		if !slices.Equal(done, []*mproc.Future[int]{fast}) || !slices.Equal(pending, []*mproc.Future[int]{slow1, slow2}) {
			t.Fatalf("mode %d: done %v, pending %v", mode, done, pending)
		}
		if took < 250*time.Millisecond || took > 5*time.Second {
			t.Fatalf("mode %d: returned after %v, want about 300ms", mode, took)
		}
	}
}

// ready reports whether f has completed (CPython's AsyncResult.ready()).
func ready[T any](f *mproc.Future[T]) bool {
	_, _, done := f.Result()
	return done
}
