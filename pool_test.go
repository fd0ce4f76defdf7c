package mproc_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mproc"
)

// TestPool covers the pool's CPython surface: workers, initializer,
// recycling, Apply/Submit/Map/Imap, callbacks, Close, Join and
// Terminate. Not parallel itself, so that nothing else runs beside it; its
// subtests run in parallel.
func TestPool(t *testing.T) {
	ptArea(t)
	parallel(t, "DefaultWorkers", testPoolDefaultWorkers)
	parallel(t, "BadOptions", testPoolBadOptions)
	parallel(t, "Initializer", testPoolInitializer)
	parallel(t, "InitializerFails", testPoolInitializerFails)
	parallel(t, "MaxTasksPerChild", testPoolMaxTasksPerChild)
	parallel(t, "ApplySubmit", testPoolApplySubmit)
	parallel(t, "TaskDeadlines", testPoolTaskDeadlines)
	parallel(t, "ShortTaskNotBehindLong", testPoolShortNotBehindLong)
	parallel(t, "JoinWaitsForCallbacks", testPoolJoinWaitsForCallbacks)
	parallel(t, "OnDoneRunsInParent", testPoolOnDoneInParent)
	parallel(t, "SlowCallbackBlocksNothing", testPoolSlowCallback)
	parallel(t, "MapChunks", testPoolMapChunks)
	parallel(t, "MapEmpty", testPoolMapEmpty)
	parallel(t, "ImapLazy", func(t *testing.T) { testPoolImapLazy(t, true) })
	parallel(t, "ImapUnorderedLazy", func(t *testing.T) { testPoolImapLazy(t, false) })
	parallel(t, "ImapEarlyStop", func(t *testing.T) { testPoolImapEarlyStop(t, true) })
	parallel(t, "ImapUnorderedEarlyStop", func(t *testing.T) { testPoolImapEarlyStop(t, false) })
	parallel(t, "ImapErrorInPlace", testPoolImapErrorInPlace)
	parallel(t, "MapOfStructs", testPoolMapOfStructs)
	parallel(t, "CloseThenJoin", testPoolCloseThenJoin)
	parallel(t, "JoinBeforeClose", testPoolJoinBeforeClose)
	parallel(t, "TerminatePrompt", testPoolTerminatePrompt)
	parallel(t, "WorkersShowTask", testPoolWorkersShowTask)
}

// The default is one worker per CPU, each its own process, a child of
// this one.
func testPoolDefaultWorkers(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx)
	// NewPool returns with its workers running, as CPython's Pool does.
	var pids []int
	for _, w := range p.Workers() {
		pids = append(pids, w.Pid)
	}
	if len(pids) != runtime.NumCPU() {
		t.Fatalf("%d workers, want runtime.NumCPU() = %d", len(pids), runtime.NumCPU())
	}
	seen := map[int]bool{}
	for _, pid := range pids {
		if pid == 0 || seen[pid] || pid == os.Getpid() {
			t.Fatalf("worker pids %v: not distinct processes", pids)
		}
		seen[pid] = true
		if _, ppid, ok := procStat(pid); !ok || ppid != os.Getpid() {
			t.Fatalf("worker %d: ppid %d (ok %v), want %d", pid, ppid, ok, os.Getpid())
		}
	}
	pid, err := ptPid.Apply(ctx, p, mproc.None{})
	if err != nil || !seen[pid] {
		t.Fatalf("a task ran in pid %d (%v), not one of the workers %v", pid, err, pids)
	}
}

func testPoolBadOptions(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	cases := map[string][]mproc.PoolOption{
		"WithWorkers(0)":           {mproc.WithWorkers(0)},
		"WithWorkers(-1)":          {mproc.WithWorkers(-1)},
		"WithMaxTasksPerChild(-1)": {mproc.WithMaxTasksPerChild(-1)},
		"WithMaxMemory(-1)":        {mproc.WithMaxMemory(-1)},
		"WithTaskTimeout(-1)":      {mproc.WithTaskTimeout(-time.Second)},
		"WithTaskGrace(-1)":        {mproc.WithTaskGrace(-time.Second)},
		"WithRetries(-1)":          {mproc.WithRetries(-1)},
		"an unencodable init arg":  {mproc.WithInitializer(ptAnyArgInit, any(func() {}))},
	}
	for name, opts := range cases {
		p, err := mproc.NewPool(ctx, opts...)
		if err == nil {
			ptEnd(t, p)
			t.Errorf("NewPool with %s: no error", name)
			continue
		}
		if p != nil {
			t.Errorf("NewPool with %s: a pool beside the error %v", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
}

var ptAnyArgInit = mproc.Register[any, mproc.None]("test.pool.anyinit", func(any) {})

// The initializer runs with its argument in every worker before its tasks.
func testPoolInitializer(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	want := fmt.Sprintf("initialized-%d", time.Now().UnixNano())
	p := ptPool(t, ctx, mproc.WithWorkers(2), mproc.WithInitializer(ptInit, want))
	got, err := ptInitGet.Map(ctx, p, ptRange(40), mproc.WithChunk(1))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range got {
		if s != want {
			t.Fatalf("task %d saw %q, want %q (the initializer did not run first)", i, s, want)
		}
	}
	// Replacement workers run it too.
	old := ptWorkers(t, ctx, p, 2)
	for _, pid := range old {
		syscallKill(pid)
	}
	ptPoll(t, ctx, "both workers replaced", func() bool {
		ws := p.Workers()
		return len(ws) == 2 && ws[0].Pid != 0 && ws[1].Pid != 0 && !slices.Contains(old, ws[0].Pid) && !slices.Contains(old, ws[1].Pid)
	})
	if s, err := ptInitGet.Apply(ctx, p, 0); err != nil || s != want {
		t.Fatalf("after replacement: %q, %v", s, err)
	}
}

// An initializer that fails fails the tasks with its error; nothing hangs:
// not the tasks, not Close and Join. It fails at once, or after the first
// tasks have been given to the workers.
func testPoolInitializerFails(t *testing.T) {
	for _, init := range []*mproc.Func[string, mproc.None]{ptInitFail, ptInitSlowFail} {
		t.Run(init.Name(), func(t *testing.T) { testPoolInitializerFailsWith(t, init) })
	}
}

func testPoolInitializerFailsWith(t *testing.T, init *mproc.Func[string, mproc.None]) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2), mproc.WithInitializer(init, "the initializer says no"))
	for i := range 3 {
		_, err := ptGet(t, ptSquare.Submit(ctx, p, i), 20*time.Second)
		if err == nil || !strings.Contains(err.Error(), "the initializer says no") {
			t.Fatalf("task %d: %v, want the initializer's error", i, err)
		}
	}
	if _, err := ptSquare.Map(ctx, p, ptRange(10)); err == nil || !strings.Contains(err.Error(), "the initializer says no") {
		t.Fatalf("Map: %v, want the initializer's error", err)
	}
	p.Close()
	jctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.Join(jctx); err != nil {
		t.Fatalf("Join after Close of a pool whose initializer failed: %v", err)
	}
}

// With MaxTasksPerChild(2) every worker serves at most 2 tasks, and
// replacing them never stalls the tasks.
func testPoolMaxTasksPerChild(t *testing.T) {
	ctx := ctxTimeout(t, 90*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2), mproc.WithMaxTasksPerChild(2))
	count := map[int]int{}
	for i := range 20 {
		start := time.Now()
		actx, cancel := context.WithTimeout(ctx, 15*time.Second)
		pid, err := ptPid.Apply(actx, p, mproc.None{})
		cancel()
		if err != nil {
			t.Fatalf("apply %d: %v (after %v)", i, err, time.Since(start))
		}
		count[pid]++
	}
	for pid, n := range count {
		if n > 2 {
			t.Fatalf("pid %d ran %d tasks, more than 2: %v", pid, n, count)
		}
	}
	if len(count) < 10 {
		t.Fatalf("20 tasks ran in %d processes, want 10: %v", len(count), count)
	}
	t.Logf("20 sequential tasks in %d processes", len(count))

	// A Map goes through many generations of workers.
	pids, err := ptPid.Map(ctx, p, make([]mproc.None, 60), mproc.WithChunk(1))
	if err != nil {
		t.Fatal(err)
	}
	count = map[int]int{}
	for _, pid := range pids {
		count[pid]++
		if count[pid] > 2 {
			t.Fatalf("pid %d ran more than 2 tasks of the Map", pid)
		}
	}
	ptWorkers(t, ctx, p, 2)
}

func testPoolApplySubmit(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	if v, err := ptSquare.Apply(ctx, p, 7); err != nil || v != 49 {
		t.Fatalf("Apply: %d, %v", v, err)
	}
	var futs []*mproc.Future[int]
	for i := range 300 {
		futs = append(futs, ptSquare.Submit(ctx, p, i))
	}
	for i, f := range futs {
		if v, err := ptGet(t, f, 30*time.Second); err != nil || v != i*i {
			t.Fatalf("Submit(%d): %d, %v", i, v, err)
		}
	}
	workers := ptWorkers(t, ctx, p, 2)
	for range 20 {
		pid, err := ptPid.Apply(ctx, p, mproc.None{})
		if err != nil || !slices.Contains(workers, pid) {
			t.Fatalf("Apply ran in pid %d (workers %v): %v", pid, workers, err)
		}
	}
}

// A short task never waits behind a long one while a worker is free.
func testPoolShortNotBehindLong(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	gate := filepath.Join(t.TempDir(), "gate")
	long := ptWaitFile.Submit(ctx, p, gate)
	longPid := ptRunning(t, ctx, p, ptWaitFile.Name())
	for i := range 10 {
		f := ptPid.Submit(ctx, p, mproc.None{})
		pid, err := ptGet(t, f, 10*time.Second)
		if err != nil || pid == longPid {
			t.Fatalf("short task %d: pid %d, %v (the long task runs in %d)", i, pid, err, longPid)
		}
	}
	// Also when submitted together, a few at a time.
	var fs []*mproc.Future[int]
	for range 3 {
		fs = append(fs, ptSquare.Submit(ctx, p, 3))
	}
	for i, f := range fs {
		if _, err := ptGet(t, f, 10*time.Second); err != nil {
			t.Fatalf("short task %d of 3: %v", i, err)
		}
	}
	if ready(long) {
		t.Fatal("the long task ended early")
	}
	os.WriteFile(gate, nil, 0o644)
	if _, err := ptGet(t, long, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// Join waits for the OnDone callbacks of the pool's tasks.
func testPoolJoinWaitsForCallbacks(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	release, entered := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	ptSquare.Submit(ctx, p, 2).OnDone(func(*mproc.Future[int]) {
		close(entered)
		<-release
		finished.Store(true)
	})
	select {
	case <-entered:
	case <-ctx.Done():
		t.Fatal("the callback never ran")
	}
	p.Close()
	joined := make(chan error, 1)
	go func() { joined <- p.Join(ctx) }()
	for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		select {
		case err := <-joined:
			t.Fatalf("Join returned (%v) while a callback was running", err)
		default:
		}
	}
	close(release)
	select {
	case err := <-joined:
		if err != nil || !finished.Load() {
			t.Fatalf("Join: %v, callback finished %v", err, finished.Load())
		}
	case <-ctx.Done():
		t.Fatal("Join never returned")
	}
}

// OnDone callbacks run in this process, with the future done.
func testPoolOnDoneInParent(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	type call struct{ pid, worker int }
	calls := make(chan call, 2)
	f := ptPid.Submit(ctx, p, mproc.None{})
	for range 2 {
		f.OnDone(func(f *mproc.Future[int]) {
			v, err, ok := f.Result()
			if !ok || err != nil {
				v = -1
			}
			calls <- call{os.Getpid(), v}
		})
	}
	for range 2 {
		select {
		case c := <-calls:
			if c.pid != os.Getpid() {
				t.Fatalf("the callback ran in pid %d, not this process %d", c.pid, os.Getpid())
			}
			if c.worker <= 0 || c.worker == os.Getpid() {
				t.Fatalf("the callback saw result %d", c.worker)
			}
		case <-ctx.Done():
			t.Fatal("callback never ran")
		}
	}
}

// A callback that blocks holds up neither other tasks nor other callbacks.
func testPoolSlowCallback(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	release := make(chan struct{})
	entered, left := make(chan struct{}), make(chan struct{})
	f := ptSquare.Submit(ctx, p, 3)
	f.OnDone(func(*mproc.Future[int]) {
		close(entered)
		<-release
		close(left)
	})
	select {
	case <-entered:
	case <-ctx.Done():
		t.Fatal("the slow callback never started")
	}
	// While it blocks: tasks complete, and other callbacks run.
	for i := range 50 {
		g := ptSquare.Submit(ctx, p, i)
		ran := make(chan int, 1)
		g.OnDone(func(g *mproc.Future[int]) { v, _, _ := g.Result(); ran <- v })
		if v, err := ptGet(t, g, 10*time.Second); err != nil || v != i*i {
			t.Fatalf("task %d while a callback blocks: %d, %v", i, v, err)
		}
		select {
		case v := <-ran:
			if v != i*i {
				t.Fatalf("callback %d saw %d", i, v)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("callback %d held up by the slow one", i)
		}
	}
	if _, err := ptSquare.Map(ctx, p, ptRange(100), mproc.WithChunk(7)); err != nil {
		t.Fatal(err)
	}
	close(release)
	select {
	case <-left:
	case <-ctx.Done():
		t.Fatal("the slow callback never finished")
	}
}

// Map and MapAsync give the results in order, whatever the chunk size.
func testPoolMapChunks(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	xs := ptRange(101)
	check := func(what string, ys []int, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(ys) != len(xs) {
			t.Fatalf("%s: %d results for %d arguments", what, len(ys), len(xs))
		}
		for i, y := range ys {
			if y != i*i {
				t.Fatalf("%s: result %d is %d, want %d", what, i, y, i*i)
			}
		}
	}
	ys, err := ptSquare.Map(ctx, p, xs)
	check("Map (default chunks)", ys, err)
	for _, n := range []int{1, 2, 3, 7, 50, 100, 101, 102, 1000} {
		ys, err := ptSquare.Map(ctx, p, xs, mproc.WithChunk(n))
		check(fmt.Sprintf("Map WithChunk(%d)", n), ys, err)
		fut := ptSquare.MapAsync(ctx, p, xs, mproc.WithChunk(n))
		ys, err = ptGet(t, fut, 30*time.Second)
		check(fmt.Sprintf("MapAsync WithChunk(%d)", n), ys, err)
	}
	// Chunks run in the workers: with WithChunk(1), both workers take part.
	pids, err := ptStubborn.Map(ctx, p, slices.Repeat([]time.Duration{20 * time.Millisecond}, 20), mproc.WithChunk(1))
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[int]bool{}
	for _, pid := range pids {
		distinct[pid] = true
	}
	if len(distinct) != 2 || distinct[os.Getpid()] {
		t.Fatalf("Map ran in %v, want the 2 workers", distinct)
	}
}

func testPoolMapEmpty(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	for _, in := range [][]int{nil, {}} {
		ys, err := ptSquare.Map(ctx, p, in)
		if err != nil || len(ys) != 0 {
			t.Fatalf("Map(%#v): %v, %v", in, ys, err)
		}
		ys, err = ptGet(t, ptSquare.MapAsync(ctx, p, in, mproc.WithChunk(3)), 10*time.Second)
		if err != nil || len(ys) != 0 {
			t.Fatalf("MapAsync(%#v): %v, %v", in, ys, err)
		}
		n := 0
		for _, err := range ptSquare.Imap(ctx, p, slices.Values(in)) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 0 {
			t.Fatalf("Imap of nothing yielded %d", n)
		}
	}
}

// Imap and ImapUnordered read their input as they go: when the first
// result is yielded, about InFlight*Chunk items have been read, not all.
func testPoolImapLazy(t *testing.T, ordered bool) {
	ctx := ctxTimeout(t, 120*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	const n = 10000
	for _, c := range []struct{ inFlight, chunk int }{{4, 10}, {1, 1}, {3, 100}, {0, 0}} {
		var opts []mproc.MapOption
		bound := int64(2 * 2) // the default: twice the workers, chunks of 1
		if c.inFlight > 0 {
			opts = append(opts, mproc.WithInFlight(c.inFlight), mproc.WithChunk(c.chunk))
			bound = int64(c.inFlight * c.chunk)
		}
		var pulled atomic.Int64
		var returned atomic.Bool
		seq := ptSquare.Imap(ctx, p, ptCount(n, &pulled, &returned), opts...)
		if !ordered {
			seq = ptSquare.ImapUnordered(ctx, p, ptCount(n, &pulled, &returned), opts...)
		}
		if pulled.Load() != 0 {
			t.Fatalf("%+v: input read before iteration", c)
		}
		var atFirst int64 = -1
		seen := make([]bool, n)
		i := 0
		for y, err := range seq {
			if err != nil {
				t.Fatalf("%+v: result %d: %v", c, i, err)
			}
			if atFirst < 0 {
				atFirst = pulled.Load()
			}
			if ordered && y != i*i {
				t.Fatalf("%+v: result %d is %d, want %d", c, i, y, i*i)
			}
			x := ptSqrt(y)
			if x < 0 || x >= n || seen[x] {
				t.Fatalf("%+v: result %d: %d unexpected or twice", c, i, y)
			}
			seen[x] = true
			i++
		}
		if i != n {
			t.Fatalf("%+v: %d results for %d arguments", c, i, n)
		}
		if atFirst > bound+1 {
			t.Fatalf("%+v: %d items read when the first result came, want at most %d", c, atFirst, bound)
		}
		if !returned.Load() {
			t.Fatalf("%+v: the input was not read to its end", c)
		}
		t.Logf("%+v: %d read at the first result", c, atFirst)
	}
}

func ptSqrt(y int) int {
	for x := 0; x*x <= y; x++ {
		if x*x == y {
			return x
		}
	}
	return -1
}

// Breaking out of Imap returns at once, stops reading the input, and leaves
// the pool working.
func testPoolImapEarlyStop(t *testing.T, ordered bool) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	var pulled atomic.Int64
	var returned atomic.Bool
	in := func(yield func(ptTask) bool) {
		for x := range ptCount(10000, &pulled, &returned) {
			if !yield(ptTask{X: x, FailAt: -1, Sleep: 20 * time.Millisecond}) {
				return
			}
		}
	}
	seq := ptWork.Imap(ctx, p, in, mproc.WithInFlight(4), mproc.WithChunk(2))
	if !ordered {
		seq = ptWork.ImapUnordered(ctx, p, in, mproc.WithInFlight(4), mproc.WithChunk(2))
	}
	done := make(chan int)
	go func() {
		n := 0
		for _, err := range seq {
			if err != nil {
				t.Error(err)
			}
			if n++; n == 5 {
				break
			}
		}
		done <- n
	}()
	select {
	case n := <-done:
		if n != 5 {
			t.Fatalf("%d results before the break", n)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("breaking out of the iteration hangs")
	}
	if !returned.Load() {
		t.Fatal("the input was not stopped after the break")
	}
	if got := pulled.Load(); got > 30 {
		t.Fatalf("%d items read for 5 results", got)
	}
	// Nothing left stuck in the pool: Close and Join end.
	if v, err := ptSquare.Apply(ctx, p, 12); err != nil || v != 144 {
		t.Fatalf("after the break: %d, %v", v, err)
	}
	p.Close()
	if err := p.Join(ctx); err != nil {
		t.Fatalf("Join after an abandoned Imap: %v", err)
	}
}

// A failed task yields its error in its place, and iteration goes on.
func testPoolImapErrorInPlace(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	in := func(yield func(ptTask) bool) {
		for x := range 20 {
			if !yield(ptTask{X: x, FailAt: 7}) {
				return
			}
		}
	}
	i := 0
	for y, err := range ptWork.Imap(ctx, p, in) {
		switch {
		case i == 7:
			if err == nil || !strings.Contains(err.Error(), "item 7 failed") {
				t.Fatalf("result 7: %d, %v; want its error", y, err)
			}
		case err != nil || y != i*i:
			t.Fatalf("result %d: %d, %v", i, y, err)
		}
		i++
	}
	if i != 20 {
		t.Fatalf("%d results, want 20", i)
	}
}

// Several arguments travel as one struct: CPython's starmap is a Map.
func testPoolMapOfStructs(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	var args []pair
	for i := range 50 {
		args = append(args, pair{A: i, B: 1000 * i})
	}
	for _, opts := range [][]mproc.MapOption{nil, {mproc.WithChunk(1)}, {mproc.WithChunk(8)}} {
		sums, err := ptAdd.Map(ctx, p, args, opts...)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range sums {
			if s != 1001*i {
				t.Fatalf("sum %d is %d", i, s)
			}
		}
	}
	if s, err := ptAdd.Apply(ctx, p, pair{A: 2, B: 3}); err != nil || s != 5 {
		t.Fatalf("Apply of a function of two: %d, %v", s, err)
	}
}

// Close lets the tasks taken finish; Join returns after them. Then nothing
// more is taken.
func testPoolCloseThenJoin(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	pids := ptWorkers(t, ctx, p, 2)
	gate := filepath.Join(t.TempDir(), "gate")
	var futs []*mproc.Future[int]
	for range 5 {
		futs = append(futs, ptWaitFile.Submit(ctx, p, gate))
	}
	ptRunning(t, ctx, p, ptWaitFile.Name())
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	joined := make(chan error, 1)
	go func() { joined <- p.Join(ctx) }()
	// Negative check: Join waits while the tasks can't finish.
	for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		select {
		case err := <-joined:
			t.Fatalf("Join returned (%v) while tasks were running", err)
		default:
		}
	}
	// Submitting after Close fails at once.
	if _, err := ptGet(t, ptSquare.Submit(ctx, p, 2), 10*time.Second); !errors.Is(err, mproc.ErrClosed) {
		t.Fatalf("Submit after Close: %v, want ErrClosed", err)
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-joined:
		if err != nil {
			t.Fatalf("Join: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Join did not return after the tasks finished")
	}
	for i, f := range futs {
		if !ready(f) {
			t.Fatalf("task %d not done when Join returned", i)
		}
		if pid, err := ptGet(t, f, time.Second); err != nil || !slices.Contains(pids, pid) {
			t.Fatalf("task %d: pid %d, %v", i, pid, err)
		}
	}
	for _, pid := range pids {
		ptGone(t, pid, 10*time.Second)
	}
	ptRefused(t, p, mproc.ErrClosed)
	if err := p.Join(ctx); err != nil {
		t.Fatalf("a second Join: %v", err)
	}
}

// Joining a running pool is an error (at once), and the pool goes on.
func testPoolJoinBeforeClose(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	jctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	start := time.Now()
	err := p.Join(jctx)
	if err == nil || errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("Join of a running pool: %v after %v, want an error at once", err, time.Since(start))
	}
	t.Log(err)
	if v, err := ptSquare.Apply(ctx, p, 5); err != nil || v != 25 {
		t.Fatalf("after Join: %d, %v", v, err)
	}
}

// Terminate is prompt even with 10,000 long tasks pending, and fails them
// all with ErrTerminated.
func testPoolTerminatePrompt(t *testing.T) {
	ctx := ctxTimeout(t, 90*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	pids := ptWorkers(t, ctx, p, 2)
	start := time.Now()
	futs := make([]*mproc.Future[int], 10000)
	for i := range futs {
		futs[i] = ptSleep.Submit(ctx, p, 10*time.Second)
	}
	t.Logf("10,000 submits: %v", time.Since(start))
	ptPoll(t, ctx, "both workers run a task", func() bool {
		ws := p.Workers()
		return len(ws) == 2 && ws[0].Task != "" && ws[1].Task != ""
	})
	start = time.Now()
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	jctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.Join(jctx); err != nil {
		t.Fatalf("Join after Terminate: %v", err)
	}
	took := time.Since(start)
	t.Logf("Terminate and Join: %v", took)
	if took > 3*time.Second {
		t.Fatalf("Terminate and Join took %v", took)
	}
	for i, f := range futs {
		if !ready(f) {
			t.Fatalf("future %d not done after Join", i)
		}
		if _, err := ptGet(t, f, time.Second); !errors.Is(err, mproc.ErrTerminated) {
			t.Fatalf("future %d: %v, want ErrTerminated", i, err)
		}
	}
	for _, pid := range pids {
		ptGone(t, pid, 5*time.Second)
	}
	ptRefused(t, p, mproc.ErrTerminated)
}

// ptRefused checks that p, ended, refuses tasks at once: 20 Submits and 20
// Maps fail within seconds, with ErrClosed or want.
func ptRefused(t *testing.T, p *mproc.Pool, want error) {
	t.Helper()
	ctx := context.Background()
	for i := range 20 {
		_, err := ptGet(t, ptSquare.Submit(ctx, p, i), 5*time.Second)
		if !errors.Is(err, mproc.ErrClosed) && !errors.Is(err, want) {
			t.Fatalf("Submit %d to an ended pool: %v, want ErrClosed or %v", i, err, want)
		}
		_, err = ptGet(t, ptSquare.MapAsync(ctx, p, ptRange(3)), 5*time.Second)
		if !errors.Is(err, mproc.ErrClosed) && !errors.Is(err, want) {
			t.Fatalf("Map %d on an ended pool: %v, want ErrClosed or %v", i, err, want)
		}
	}
}

// Workers shows each worker's pid and what it runs.
func testPoolWorkersShowTask(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	pid := ptWorkers(t, ctx, p, 1)[0]
	if w := p.Workers()[0]; w.Task != "" || w.Done != 0 {
		t.Fatalf("an idle worker: %+v", w)
	}
	gate := filepath.Join(t.TempDir(), "gate")
	before := time.Now()
	f := ptWaitFile.Submit(ctx, p, gate)
	if got := ptRunning(t, ctx, p, "test.pool.waitfile"); got != pid {
		t.Fatalf("the task runs in %d, the worker is %d", got, pid)
	}
	w := p.Workers()[0]
	if w.Since.Before(before.Add(-time.Second)) || w.Since.After(time.Now()) {
		t.Fatalf("Since %v, the task was submitted at %v", w.Since, before)
	}
	os.WriteFile(gate, nil, 0o644)
	if got, err := ptGet(t, f, 10*time.Second); err != nil || got != pid {
		t.Fatalf("%d, %v", got, err)
	}
	ptPoll(t, ctx, "the worker is idle with 1 task done", func() bool {
		w := p.Workers()[0]
		return w.Task == "" && w.Done == 1 && w.Pid == pid
	})
}

// TestPoolErrors covers how failures reach the caller.
func TestPoolErrors(t *testing.T) {
	ptArea(t)
	parallel(t, "RemoteErrorText", testPoolRemoteError)
	parallel(t, "PanicWithStack", testPoolPanic)
	parallel(t, "MapFailsFast", testPoolMapFailsFast)
	parallel(t, "UnencodableArgument", testPoolUnencodableArgument)
	parallel(t, "UnencodableResult", testPoolUnencodableResult)
}

func testPoolRemoteError(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	pid := ptWorkers(t, ctx, p, 1)[0]
	_, err := ptFail.Apply(ctx, p, "the task's own words")
	re := ptRemote(t, err)
	if re.Message != "the task's own words" || !strings.Contains(err.Error(), "the task's own words") {
		t.Fatalf("message %q, error %q", re.Message, err)
	}
	if re.Pid != pid || re.Panicked || re.Stack != "" {
		t.Fatalf("%+v: want pid %d, no panic, no stack", re, pid)
	}
	// The same through Submit, Map and Imap.
	if _, err := ptGet(t, ptFail.Submit(ctx, p, "submitted"), 10*time.Second); ptRemote(t, err).Message != "submitted" {
		t.Fatalf("Submit: %v", err)
	}
	if _, err := ptFail.Map(ctx, p, []string{"mapped", "mapped"}); ptRemote(t, err).Message != "mapped" {
		t.Fatalf("Map: %v", err)
	}
	for _, err := range ptFail.Imap(ctx, p, slices.Values([]string{"imapped"})) {
		if ptRemote(t, err).Message != "imapped" {
			t.Fatalf("Imap: %v", err)
		}
	}
}

func testPoolPanic(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	pid := ptWorkers(t, ctx, p, 1)[0]
	check := func(what string, err error) {
		t.Helper()
		re := ptRemote(t, err)
		if !re.Panicked || !strings.Contains(re.Message, "kaboom") {
			t.Fatalf("%s: %+v, want a panic with its value", what, re)
		}
		if re.Stack == "" || !strings.Contains(re.Stack, "pool_helpers_test.go") || !strings.Contains(err.Error(), re.Stack) {
			t.Fatalf("%s: the child's stack is missing: %q", what, re.Stack)
		}
		if re.Pid != pid {
			t.Fatalf("%s: pid %d, the worker is %d", what, re.Pid, pid)
		}
	}
	_, err := ptPanic.Apply(ctx, p, "kaboom")
	check("Apply", err)
	_, err = ptPanic.Map(ctx, p, []string{"kaboom", "kaboom", "kaboom"}, mproc.WithChunk(3))
	check("Map", err)
	// The worker survived its panics.
	if got, err := ptPid.Apply(ctx, p, mproc.None{}); err != nil || got != pid {
		t.Fatalf("after the panics: pid %d, %v; want %d", got, err, pid)
	}
}

// Map returns the first error as soon as it happens: chunks still in the
// pool's queue are skipped, and those given to workers are cancelled (see
// TestMapFailureCancelsRunning).
func testPoolMapFailsFast(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	dir := t.TempDir()
	var args []ptTask
	for x := range 200 {
		args = append(args, ptTask{Dir: dir, X: x, FailAt: 3, Sleep: 50 * time.Millisecond})
	}
	start := time.Now()
	_, err := ptWork.Map(ctx, p, args, mproc.WithChunk(1))
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "item 3 failed on purpose") {
		t.Fatalf("Map: %v, want item 3's error", err)
	}
	ptRemote(t, err)
	ran := func() int { ents, _ := os.ReadDir(dir); return len(ents) }
	atReturn := ran()
	t.Logf("Map failed after %v with %d of 200 items started", took, atReturn)
	if took > 3*time.Second {
		t.Fatalf("Map took %v to fail (all 200 items take 5 s)", took)
	}
	// The pool goes on; whatever was given to workers was cancelled.
	if v, err := ptSquare.Apply(ctx, p, 9); err != nil || v != 81 {
		t.Fatalf("after a failed Map: %d, %v", v, err)
	}
	p.Close()
	if err := p.Join(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of 200 items ran in all", ran())
	if ran() == 200 {
		t.Logf("every item ran: nothing was skipped")
	}
}

// An argument that can't be encoded fails at Submit; nothing hangs.
func testPoolUnencodableArgument(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	for name, arg := range map[string]any{"a func": func() {}, "a chan": make(chan int), "a func in a slice": []any{1, func() {}}} {
		f := ptAnyArg.Submit(ctx, p, arg)
		if !ready(f) {
			t.Errorf("%s: the future is not failed at once", name)
		}
		if _, err := ptGet(t, f, 10*time.Second); !errors.Is(err, mproc.ErrUnencodable) {
			t.Fatalf("Submit of %s: %v, want ErrUnencodable", name, err)
		}
		if _, err := ptAnyArg.Apply(ctx, p, arg); !errors.Is(err, mproc.ErrUnencodable) {
			t.Fatalf("Apply of %s: %v, want ErrUnencodable", name, err)
		}
		if _, err := ptAnyArg.Map(ctx, p, []any{1, arg, 3}); !errors.Is(err, mproc.ErrUnencodable) {
			t.Fatalf("Map of %s: %v, want ErrUnencodable", name, err)
		}
	}
	if v, err := ptAnyArg.Apply(ctx, p, "fine"); err != nil || v != 1 {
		t.Fatalf("an encodable argument: %d, %v", v, err)
	}
}

// A result that can't be encoded fails its task; the pool goes on.
func testPoolUnencodableResult(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	for i := range 20 {
		_, err := ptGet(t, ptBadResult.Submit(ctx, p, i%2), 10*time.Second)
		if !errors.Is(err, mproc.ErrUnencodable) {
			t.Fatalf("round %d: %v, want ErrUnencodable", i, err)
		}
		ptRemote(t, err)
	}
	if _, err := ptBadResult.Map(ctx, p, []int{0, 1, 0}); !errors.Is(err, mproc.ErrUnencodable) {
		t.Fatalf("Map: %v, want ErrUnencodable", err)
	}
	if v, err := ptSquare.Apply(ctx, p, 11); err != nil || v != 121 {
		t.Fatalf("after 20 bad results: %d, %v", v, err)
	}
}

// TestPoolRobust covers what CPython's pool can't do: lose workers, time
// tasks out, recycle workers by memory.
func TestPoolRobust(t *testing.T) {
	ptArea(t)
	parallel(t, "KillWorker50Times", testPoolKillWorker50)
	parallel(t, "RetryOnAnotherWorker", testPoolRetry)
	parallel(t, "RetriesRunOut", testPoolRetriesRunOut)
	parallel(t, "CooperativeTimeout", testPoolCooperativeTimeout)
	parallel(t, "UncooperativeTimeout", testPoolUncooperativeTimeout)
	parallel(t, "MaxMemory", testPoolMaxMemory)
	parallel(t, "WorkerExitsOrCrashes", testPoolWorkerExits)
	parallel(t, "KilledWithTasksBehind", testPoolKilledWithTasksBehind)
	parallel(t, "DeadlineBeforeStart", testPoolDeadlineBeforeStart)
	parallel(t, "ExpiredSubmitCtx", testPoolExpiredSubmitCtx)
	parallel(t, "LargeArgsAndResults", testPoolLarge)
	parallel(t, "BigArgumentForBusyWorker", testPoolBigArgBusyWorker)
	parallel(t, "EndRightAway", testPoolEndRightAway)
}

// A worker that exits or crashes in the middle of a task fails that task
// with *WorkerLostError and its exit code, and is replaced.
func testPoolWorkerExits(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	for round := range 5 {
		before := ptWorkers(t, ctx, p, 2)
		others := ptSquare.MapAsync(ctx, p, ptRange(50), mproc.WithChunk(1))
		_, err := ptExit.Apply(ctx, p, 7)
		var wl *mproc.WorkerLostError
		if !errors.As(err, &wl) || wl.Code != 7 || wl.Signal != 0 || !slices.Contains(before, wl.Pid) || wl.Task != ptExit.Name() {
			t.Fatalf("round %d: os.Exit(7) in a task: %v (%+v), want *WorkerLostError with code 7", round, err, wl)
		}
		_, err = ptCrash.Apply(ctx, p, mproc.None{})
		if !errors.As(err, &wl) || wl.Code != 2 || wl.Signal != 0 {
			t.Fatalf("round %d: a crash in a task: %v, want *WorkerLostError with code 2", round, err)
		}
		if _, err := ptGet(t, others, 20*time.Second); err != nil {
			t.Fatalf("round %d: the other tasks: %v", round, err)
		}
	}
	ptWorkers(t, ctx, p, 2)
	// A worker lost in the middle of a Map fails the Map.
	m := ptBlock.MapAsync(ctx, p, []mproc.None{{}}, mproc.WithChunk(1))
	syscallKill(ptRunning(t, ctx, p, ptBlock.Name()))
	var wl *mproc.WorkerLostError
	if _, err := ptGet(t, m, 20*time.Second); !errors.As(err, &wl) || wl.Signal != 9 {
		t.Fatalf("a Map whose worker was killed: %v, want *WorkerLostError", err)
	}
}

// Each task's context in the worker has its own Submit's deadline, or none,
// however the tasks of different deadlines follow one another.
func testPoolTaskDeadlines(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	now := time.Now()
	ctxs := []context.Context{context.Background()}
	for _, d := range []time.Duration{time.Minute, 2 * time.Minute} {
		c, cancel := context.WithDeadline(context.Background(), now.Add(d)) // not ctx's own, sooner
		defer cancel()
		ctxs = append(ctxs, c)
	}
	var fs []*mproc.Future[int64]
	var want []int64
	for i := range 30 {
		c := ctxs[i*7%len(ctxs)]
		fs = append(fs, ptDeadline.Submit(c, p, mproc.None{}))
		var w int64
		if d, ok := c.Deadline(); ok {
			w = d.UnixNano()
		}
		want = append(want, w)
	}
	for i, f := range fs {
		if got, err := ptGet(t, f, 20*time.Second); err != nil || got != want[i] {
			t.Fatalf("task %d: deadline %d, %v; want %d", i, got, err, want[i])
		}
	}
}

// A worker killed in the middle of a task fails that task only: the tasks
// handed to it behind that one (in the same message, when the pool had a
// backlog) run on its replacement.
func testPoolKilledWithTasksBehind(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	gate := filepath.Join(t.TempDir(), "gate")
	first := ptWaitFile.Submit(ctx, p, gate)
	ptRunning(t, ctx, p, ptWaitFile.Name())
	// Queued while the worker is busy: the pool hands them over in batches.
	block := ptBlock.Submit(ctx, p, mproc.None{})
	var rest []*mproc.Future[int]
	for i := range 40 {
		rest = append(rest, ptSquare.Submit(ctx, p, i))
	}
	os.WriteFile(gate, nil, 0o644)
	if _, err := ptGet(t, first, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	syscallKill(ptRunning(t, ctx, p, ptBlock.Name()))
	var wl *mproc.WorkerLostError
	if _, err := ptGet(t, block, 20*time.Second); !errors.As(err, &wl) || wl.Task != ptBlock.Name() {
		t.Fatalf("the task whose worker was killed: %v, want *WorkerLostError", err)
	}
	for i, f := range rest {
		if v, err := ptGet(t, f, 20*time.Second); err != nil || v != i*i {
			t.Fatalf("task %d behind the killed one: %d, %v; want %d", i, v, err, i*i)
		}
	}
}

// A task whose deadline passes (with the grace) before a worker takes it
// fails with ErrTimeout without killing the busy worker, and never runs.
func testPoolDeadlineBeforeStart(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1), mproc.WithTaskGrace(200*time.Millisecond))
	dir := t.TempDir()
	gate, mark := filepath.Join(dir, "gate"), filepath.Join(dir, "ran")
	busy := ptWaitFile.Submit(ctx, p, gate)
	pid := ptRunning(t, ctx, p, ptWaitFile.Name())
	sctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := ptGet(t, ptTouch.Submit(sctx, p, mark), 5*time.Second)
	if !errors.Is(err, mproc.ErrTimeout) {
		t.Fatalf("a task that could not start before its deadline: %v, want ErrTimeout", err)
	}
	t.Logf("%v after %v", err, time.Since(start))
	os.WriteFile(gate, nil, 0o644)
	if got, err := ptGet(t, busy, 15*time.Second); err != nil || got != pid {
		t.Fatalf("the busy task: %d, %v; want it to finish in %d", got, err, pid)
	}
	if got, err := ptPid.Apply(ctx, p, mproc.None{}); err != nil || got != pid {
		t.Fatalf("the next task: %d, %v; want the same worker %d", got, err, pid)
	}
	p.Close()
	if err := p.Join(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("the task that failed with ErrTimeout before it started ran afterwards")
	}
}

// A Submit with a ctx that has already ended fails at once with ctx's
// error (a cancellation, so not ErrTimeout).
func testPoolExpiredSubmitCtx(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	mark := filepath.Join(t.TempDir(), "ran")
	f := ptTouch.Submit(expired(), p, mark)
	if _, err := ptGet(t, f, 5*time.Second); errors.Is(err, mproc.ErrTimeout) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Submit with an ended ctx: %v, want Canceled only", err)
	}
	if v, err := ptSquare.Apply(ctx, p, 4); err != nil || v != 16 {
		t.Fatal(v, err)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("the task ran")
	}
}

// Arguments and results bigger than the pool's rings cross whole, beside
// small tasks.
func testPoolLarge(t *testing.T) {
	ctx := ctxTimeout(t, 120*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	big := make([]byte, 10<<20)
	want := 0
	for i := range big {
		big[i] = byte(i * 7)
		want += int(big[i])
	}
	var lens []*mproc.Future[int]
	var makes []*mproc.Future[[]byte]
	var smalls []*mproc.Future[int]
	for i := range 3 {
		lens = append(lens, ptLen.Submit(ctx, p, big))
		makes = append(makes, ptMake.Submit(ctx, p, 40<<20+i))
		smalls = append(smalls, ptSquare.Submit(ctx, p, i))
	}
	for i := range 3 {
		if v, err := ptGet(t, lens[i], 60*time.Second); err != nil || v != want {
			t.Fatalf("a 10 MiB argument: %d, %v; want %d", v, err, want)
		}
		b, err := ptGet(t, makes[i], 60*time.Second)
		if err != nil || len(b) != 40<<20+i {
			t.Fatalf("a 40 MiB result: %d bytes, %v", len(b), err)
		}
		for j := 0; j < len(b); j += 4093 {
			if b[j] != byte(j) {
				t.Fatalf("byte %d of the result is %d", j, b[j])
			}
		}
		if v, err := ptGet(t, smalls[i], 60*time.Second); err != nil || v != i*i {
			t.Fatalf("a small task: %d, %v", v, err)
		}
	}
}

// An argument bigger than a worker's task ring, submitted while that
// worker is busy, holds up neither the caller nor the pool: Submit returns,
// Workers answers, Terminate is prompt.
func testPoolBigArgBusyWorker(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	gate := filepath.Join(t.TempDir(), "gate") // before the pool: removed after it
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	t.Cleanup(func() { os.WriteFile(gate, nil, 0o644) }) // runs before the pool's: unblock whatever waits
	busy := ptWaitFile.Submit(ctx, p, gate)
	ptRunning(t, ctx, p, ptWaitFile.Name())
	big := make([]byte, 10<<20)
	futs := make(chan *mproc.Future[int], 3)
	go func() {
		for range 3 {
			futs <- ptLen.Submit(ctx, p, big)
		}
	}()
	within := func(what string, d time.Duration, f func()) {
		t.Helper()
		done := make(chan struct{})
		go func() { f(); close(done) }()
		select {
		case <-done:
		case <-time.After(d):
			t.Fatalf("%s blocks while the worker is busy (the pool is frozen)", what)
		}
	}
	within("Submit of 3 tasks with 10 MiB arguments", 5*time.Second, func() {
		for range 3 {
			<-futs
		}
	})
	within("Workers", 5*time.Second, func() { p.Workers() })
	within("Terminate and Join", 5*time.Second, func() { p.Terminate(); p.Join(ctx) })
	if _, err := ptGet(t, busy, time.Second); !errors.Is(err, mproc.ErrTerminated) {
		t.Fatalf("the busy task after Terminate: %v", err)
	}
}

// A pool ended right after it was made, while its workers start, ends
// promptly and leaves no process behind.
func testPoolEndRightAway(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	for i := range 10 {
		p, err := mproc.NewPool(ctx, mproc.WithWorkers(3))
		if err != nil {
			t.Fatal(err)
		}
		f := ptSquare.Submit(ctx, p, i)
		if i%2 == 0 {
			p.Terminate()
		} else {
			p.Close()
		}
		jctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = p.Join(jctx)
		cancel()
		if err != nil {
			t.Fatalf("round %d: Join: %v", i, err)
		}
		v, err := ptGet(t, f, 5*time.Second)
		if i%2 == 0 && err != nil && !errors.Is(err, mproc.ErrTerminated) || i%2 == 1 && (err != nil || v != i*i) {
			t.Fatalf("round %d: the task: %d, %v", i, v, err)
		}
	}
}

// A worker SIGKILLed in the middle of a task fails that task with
// *WorkerLostError, and only it; the worker is replaced. 50 times.
func testPoolKillWorker50(t *testing.T) {
	ctx := ctxTimeout(t, 90*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	ptWorkers(t, ctx, p, 2)
	start := time.Now()
	for round := range 50 {
		hang := ptBlock.Submit(ctx, p, mproc.None{})
		var others []*mproc.Future[int]
		for i := range 4 {
			others = append(others, ptSquare.Submit(ctx, p, 10*round+i))
		}
		pid := ptRunning(t, ctx, p, ptBlock.Name())
		syscallKill(pid)
		_, err := ptGet(t, hang, 20*time.Second)
		var wl *mproc.WorkerLostError
		if !errors.As(err, &wl) {
			t.Fatalf("round %d: %T %v, want *WorkerLostError", round, err, err)
		}
		if wl.Pid != pid || wl.Signal != 9 || wl.Code != -9 || wl.Task != ptBlock.Name() {
			t.Fatalf("round %d: %+v, want pid %d, signal 9, code -9", round, wl, pid)
		}
		for i, f := range others {
			if v, err := ptGet(t, f, 20*time.Second); err != nil || v != (10*round+i)*(10*round+i) {
				t.Fatalf("round %d: another task: %d, %v", round, v, err)
			}
		}
		pids := ptWorkers(t, ctx, p, 2)
		if slices.Contains(pids, pid) {
			t.Fatalf("round %d: the killed worker %d is still listed: %v", round, pid, pids)
		}
		if running(pid) {
			t.Fatalf("round %d: the killed worker %d still runs", round, pid)
		}
	}
	t.Logf("50 killed workers in %v", time.Since(start))
	if v, err := ptSquare.Map(ctx, p, ptRange(100)); err != nil || len(v) != 100 {
		t.Fatalf("after the kills: %v", err)
	}
}

// ptAttemptPid waits for attempt n of ptRetry to record its pid.
func ptAttemptPid(t *testing.T, ctx context.Context, dir string, n int) int {
	t.Helper()
	var pid int
	ptPoll(t, ctx, fmt.Sprintf("attempt %d starts", n), func() bool {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("pid-%d", n)))
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(string(b))
		return err == nil
	})
	return pid
}

// With WithRetries(1), a task whose worker is killed once runs again on
// another worker, and succeeds.
func testPoolRetry(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2), mproc.WithRetries(1))
	dir := t.TempDir()
	f := ptRetry.Submit(ctx, p, ptAttempt{Dir: dir, Block: 1})
	first := ptAttemptPid(t, ctx, dir, 1)
	if running := ptRunning(t, ctx, p, ptRetry.Name()); running != first {
		t.Fatalf("Workers says %d runs the task, the task says %d", running, first)
	}
	syscallKill(first)
	pid, err := ptGet(t, f, 30*time.Second)
	if err != nil {
		t.Fatalf("the retried task: %v", err)
	}
	if second := ptAttemptPid(t, ctx, dir, 2); pid != second || pid == first {
		t.Fatalf("the retry ran in %d (attempt 2 says %d), the killed worker was %d", pid, second, first)
	}
	if _, err := os.Stat(filepath.Join(dir, "attempt-3")); err == nil {
		t.Fatal("a third attempt ran")
	}
	ptWorkers(t, ctx, p, 2)
}

// The retries run out: the second loss fails the task with the last
// worker's pid.
func testPoolRetriesRunOut(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2), mproc.WithRetries(1))
	dir := t.TempDir()
	f := ptRetry.Submit(ctx, p, ptAttempt{Dir: dir, Block: 5})
	first := ptAttemptPid(t, ctx, dir, 1)
	syscallKill(first)
	second := ptAttemptPid(t, ctx, dir, 2)
	syscallKill(second)
	_, err := ptGet(t, f, 30*time.Second)
	var wl *mproc.WorkerLostError
	if !errors.As(err, &wl) || wl.Pid != second || wl.Signal != 9 {
		t.Fatalf("after two losses: %v, want *WorkerLostError for pid %d", err, second)
	}
	if _, err := os.Stat(filepath.Join(dir, "attempt-3")); err == nil {
		t.Fatal("a third attempt ran")
	}
}

// A cooperative task (it returns when its ctx ends) times out with
// ErrTimeout at its deadline, well before the grace period, and its worker
// lives on. The deadline comes from WithTaskTimeout, or from the ctx given
// to Submit.
func testPoolCooperativeTimeout(t *testing.T) {
	const timeout, grace = 300 * time.Millisecond, 20 * time.Second
	ctx := ctxTimeout(t, 60*time.Second)
	cases := []struct {
		name string
		opts []mproc.PoolOption
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"WithTaskTimeout, Submit ctx without deadline",
			[]mproc.PoolOption{mproc.WithTaskTimeout(timeout)},
			func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }},
		{"WithTaskTimeout, Submit ctx with a far deadline",
			[]mproc.PoolOption{mproc.WithTaskTimeout(timeout)},
			func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), time.Hour)
			}},
		{"Submit ctx deadline",
			nil,
			func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), timeout)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := ptPool(t, ctx, append(c.opts, mproc.WithWorkers(1), mproc.WithTaskGrace(grace))...)
			pid, err := ptPid.Apply(ctx, p, mproc.None{})
			if err != nil {
				t.Fatal(err)
			}
			sctx, cancel := c.ctx()
			defer cancel()
			start := time.Now()
			f := ptCooperative.Submit(sctx, p, mproc.None{})
			_, err = ptGet(t, f, 15*time.Second) // not sctx: the pool must end the task
			took := time.Since(start)
			if !errors.Is(err, mproc.ErrTimeout) {
				t.Errorf("%v after %v, want ErrTimeout", err, took)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%v: want it to match context.DeadlineExceeded too", err)
			}
			if took < timeout-50*time.Millisecond || took > 5*time.Second {
				t.Errorf("timed out after %v, want about %v (grace %v)", took, timeout, grace)
			}
			if got, err := ptPid.Apply(ctx, p, mproc.None{}); err != nil || got != pid {
				t.Fatalf("the next task ran in %d (%v), want the same worker %d", got, err, pid)
			}
		})
	}
}

// An uncooperative task (it ignores its ctx) times out with ErrTimeout
// after its deadline and the grace period; its worker is killed and
// replaced.
func testPoolUncooperativeTimeout(t *testing.T) {
	const timeout, grace = 300 * time.Millisecond, 300 * time.Millisecond
	ctx := ctxTimeout(t, 60*time.Second)
	for _, viaOption := range []bool{true, false} {
		t.Run(fmt.Sprintf("WithTaskTimeout=%v", viaOption), func(t *testing.T) {
			opts := []mproc.PoolOption{mproc.WithWorkers(1), mproc.WithTaskGrace(grace)}
			if viaOption {
				opts = append(opts, mproc.WithTaskTimeout(timeout))
			}
			p := ptPool(t, ctx, opts...)
			pid, err := ptPid.Apply(ctx, p, mproc.None{})
			if err != nil {
				t.Fatal(err)
			}
			// The Submit's deadline counts from here: the pool's start,
			// slow on a loaded machine, is not part of the task's time.
			var sctx context.Context
			var cancel context.CancelFunc
			if viaOption {
				sctx, cancel = context.WithCancel(context.Background())
			} else {
				sctx, cancel = context.WithTimeout(context.Background(), timeout)
			}
			defer cancel()
			start := time.Now()
			_, err = ptGet(t, ptStubborn.Submit(sctx, p, time.Hour), 15*time.Second)
			took := time.Since(start)
			if !errors.Is(err, mproc.ErrTimeout) {
				t.Fatalf("%v, want ErrTimeout", err)
			}
			if took < timeout+grace-50*time.Millisecond || took > 8*time.Second {
				t.Fatalf("timed out after %v, want about %v", took, timeout+grace)
			}
			t.Logf("%v after %v", err, took)
			ptGone(t, pid, 10*time.Second)
			if got, err := ptPid.Apply(ctx, p, mproc.None{}); err != nil || got == pid {
				t.Fatalf("the next task ran in %d (%v); the old worker was %d", got, err, pid)
			}
		})
	}
}

// A worker whose memory grows past WithMaxMemory is recycled after the task
// that grew it; that task succeeds.
func testPoolMaxMemory(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	// A worker's own size (the race detector makes it bigger): the limit
	// must be above it.
	probe := ptPool(t, ctx, mproc.WithWorkers(1))
	base, err := ptRSS.Apply(ctx, probe, mproc.None{})
	if err != nil {
		t.Fatal(err)
	}
	ptEnd(t, probe)
	limit, alloc := int64(32<<20), 64
	if base > limit/2 {
		limit = base + 32<<20
		alloc = int(base>>20) + 64
	}
	t.Logf("a worker's RSS: %d KiB; limit %d MiB, task %d MiB", base>>10, limit>>20, alloc)

	p := ptPool(t, ctx, mproc.WithWorkers(1), mproc.WithMaxMemory(limit))
	pid, err := ptPid.Apply(ctx, p, mproc.None{})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 { // small tasks don't recycle it
		if got, err := ptPid.Apply(ctx, p, mproc.None{}); err != nil || got != pid {
			t.Fatalf("a small task ran in %d (%v), want %d", got, err, pid)
		}
	}
	big, err := ptAlloc.Apply(ctx, p, alloc)
	if err != nil || big != pid {
		t.Fatalf("the big task: pid %d, %v; want it to succeed in %d", big, err, pid)
	}
	next, err := ptPid.Apply(ctx, p, mproc.None{})
	if err != nil || next == pid {
		t.Fatalf("after the big task: pid %d, %v; want a new worker (the old one was %d)", next, err, pid)
	}
	ptGone(t, pid, 10*time.Second)
	// Several big tasks in a row: each recycles its worker, none fails.
	futs := make([]*mproc.Future[int], 4)
	for i := range futs {
		futs[i] = ptAlloc.Submit(ctx, p, alloc)
	}
	seen := map[int]bool{}
	for i, f := range futs {
		got, err := ptGet(t, f, 30*time.Second)
		if err != nil || seen[got] {
			t.Fatalf("big task %d: pid %d (seen: %v), %v", i, got, seen, err)
		}
		seen[got] = true
	}
}

// ptGoroutines polls until the goroutine count is at most n and returns it.
func ptGoroutines(n int, d time.Duration) int {
	deadline := time.Now().Add(d)
	for {
		g := runtime.NumGoroutine()
		if g <= n || time.Now().After(deadline) {
			return g
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Breaking out of ImapUnordered leaves no goroutine behind, even with a
// large InFlight. Not parallel: it counts goroutines.
func TestPoolImapUnorderedEarlyStopNoLeak(t *testing.T) {
	ptArea(t)
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	if _, err := ptSquare.Map(ctx, p, ptRange(10)); err != nil {
		t.Fatal(err)
	}
	for _, inFlight := range []int{8, 2000} {
		before := ptGoroutines(0, 0)
		var wg sync.WaitGroup
		wg.Go(func() {
			n := 0
			for _, err := range ptSquare.ImapUnordered(ctx, p, slices.Values(ptRange(5000)), mproc.WithInFlight(inFlight)) {
				if err != nil {
					t.Error(err)
				}
				if n++; n == 3 {
					break
				}
			}
		})
		wg.Wait()
		if after := ptGoroutines(before+20, 10*time.Second); after > before+20 {
			t.Errorf("WithInFlight(%d): %d goroutines before, %d after breaking out of ImapUnordered", inFlight, before, after)
		}
	}
}

// Join and Shutdown, which wait for OnDone callbacks, may run while other
// goroutines add callbacks (OnDone, WaitFutures, AsCompleted on the same
// futures). Not parallel: a data race found here (with -race) would be
// blamed on whatever test runs beside it.
func TestPoolJoinWhileCallbacksAdded(t *testing.T) {
	ptArea(t)
	ctx := ctxTimeout(t, 60*time.Second)
	for round := range 20 {
		p := ptPool(t, ctx, mproc.WithWorkers(1))
		g := ptGoExecutor(t, 1)
		for _, ex := range []mproc.Executor{p, g} {
			var fs []*mproc.Future[int]
			for i := range 5 {
				fs = append(fs, ptSquare.Submit(ctx, ex, i))
			}
			if _, _, err := mproc.WaitFutures(ctx, mproc.AllCompleted, fs...); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			wg.Go(func() {
				if err := ex.Shutdown(ctx); err != nil {
					t.Errorf("round %d: Shutdown: %v", round, err)
				}
			})
			wg.Go(func() {
				for range 20 {
					fs[0].OnDone(func(*mproc.Future[int]) {})
				}
				for range mproc.AsCompleted(ctx, fs...) {
				}
			})
			wg.Wait()
		}
	}
}
