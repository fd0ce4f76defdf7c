package mproc_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"mproc"
)

// ---- Children ----

type qRange struct {
	Q       *mproc.Queue[int]
	From, N int
}

type drainResult struct {
	Count, Sum int
	Items      []int
	Closed     bool // the loop ended with ErrClosed
}

type qDrainArg struct {
	Q     *mproc.Queue[int]
	Ready *mproc.Value[int32] // optional: incremented before the first Get
	Go    *mproc.Event        // optional: waited for before the first Get
	Keep  bool                // return the items themselves
}

type bigItemsArg struct {
	Q     *mproc.Queue[[]byte]
	Sizes []int
	Seed  uint64
}

type qGetOneArg struct {
	Q     *mproc.Queue[int]
	Ready *mproc.Event
}

type jqWorkerArg struct {
	Q    *mproc.JoinableQueue[int]
	Done *mproc.Value[int64] // sum of the items processed
	Work time.Duration
}

type sqArg struct {
	Q    *mproc.SimpleQueue[string]
	Sent []string
}

var (
	// commPutRange puts From..From+N-1 and returns at once: its process
	// exits right after its last Put.
	commPutRange = mproc.Register[qRange, mproc.None]("test.comm.q.putrange", func(ctx context.Context, a qRange) error {
		for i := range a.N {
			if err := a.Q.Put(ctx, a.From+i); err != nil {
				return fmt.Errorf("put %d: %w", a.From+i, err)
			}
		}
		return nil
	})

	// commDrain gets until the queue is closed and empty.
	commDrain = mproc.Register[qDrainArg, drainResult]("test.comm.q.drain", func(ctx context.Context, a qDrainArg) (drainResult, error) {
		var r drainResult
		if a.Ready != nil {
			a.Ready.Add(1)
		}
		if a.Go != nil {
			if err := a.Go.Wait(ctx); err != nil {
				return r, err
			}
		}
		for {
			v, err := a.Q.Get(ctx)
			if errors.Is(err, mproc.ErrClosed) {
				r.Closed = true
				return r, nil
			}
			if err != nil {
				return r, err
			}
			r.Count++
			r.Sum += v
			if a.Keep {
				r.Items = append(r.Items, v)
			}
		}
	})

	// commGetOne signals, then waits in Get.
	commGetOne = mproc.Register[qGetOneArg, int]("test.comm.q.getone", func(ctx context.Context, a qGetOneArg) (int, error) {
		a.Ready.Set()
		return a.Q.Get(ctx)
	})

	// commPutBig puts patterned items of the given sizes.
	commPutBig = mproc.Register[bigItemsArg, mproc.None]("test.comm.q.putbig", func(ctx context.Context, a bigItemsArg) error {
		for i, n := range a.Sizes {
			if err := a.Q.Put(ctx, patterned(n, a.Seed+uint64(i))); err != nil {
				return err
			}
		}
		return nil
	})

	// commGetBig gets len(Sizes) items and checks their size and pattern.
	commGetBig = mproc.Register[bigItemsArg, int]("test.comm.q.getbig", func(ctx context.Context, a bigItemsArg) (int, error) {
		for i, n := range a.Sizes {
			b, err := a.Q.Get(ctx)
			if err != nil {
				return i, err
			}
			if len(b) != n {
				return i, fmt.Errorf("item %d: %d bytes, want %d", i, len(b), n)
			}
			if err := checkPattern(b, a.Seed+uint64(i)); err != nil {
				return i, fmt.Errorf("item %d: %w", i, err)
			}
		}
		return len(a.Sizes), nil
	})

	// commJQWorker processes items until the queue is closed, marking each
	// done after its work.
	commJQWorker = mproc.Register[jqWorkerArg, int]("test.comm.jq.worker", func(ctx context.Context, a jqWorkerArg) (int, error) {
		n := 0
		for {
			v, err := a.Q.Get(ctx)
			if errors.Is(err, mproc.ErrClosed) {
				return n, nil
			}
			if err != nil {
				return n, err
			}
			time.Sleep(a.Work) // the work
			a.Done.Add(int64(v))
			if err := a.Q.TaskDone(); err != nil {
				return n, err
			}
			n++
		}
	})

	// commJQTaskDone calls TaskDone once and returns its error.
	commJQTaskDone = mproc.Register[*mproc.JoinableQueue[int], mproc.None]("test.comm.jq.taskdone", func(q *mproc.JoinableQueue[int]) error {
		return q.TaskDone()
	})

	// commSQPut puts Sent on a SimpleQueue.
	commSQPut = mproc.Register[sqArg, mproc.None]("test.comm.sq.put", func(ctx context.Context, a sqArg) error {
		for _, s := range a.Sent {
			if err := a.Q.Put(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
)

// ---- Queue ----

func TestQueue(t *testing.T) {
	noChildLeft(t)
	parallel(t, "FIFOAndLen", testQueueFIFOAndLen)
	parallel(t, "PutDeadlineFull", testQueuePutDeadline)
	parallel(t, "GetDeadlineEmpty", testQueueGetDeadline)
	parallel(t, "TryPutTryGet", testQueueTryPutTryGet)
	parallel(t, "Close", testQueueClose)
	parallel(t, "CloseDrainedByChildren", testQueueCloseChildrenDrain)
	parallel(t, "BlockedGetWakesOnClose", testQueueBlockedGetWakesOnClose)
	parallel(t, "NoHiddenFeeder", testQueueNoHiddenFeeder)
	parallel(t, "ItemsLargerThanBuffer", testQueueLargeItems)
	parallel(t, "Types", testQueueTypes)
	parallel(t, "BadOptions", testQueueBadOptions)
	parallel(t, "SimpleQueue", testSimpleQueue)
	parallel(t, "JoinableAcrossProcesses", testJoinableQueueAcross)
	parallel(t, "JoinDeadline", testJoinableQueueJoinDeadline)
	parallel(t, "TaskDoneTooMany", testJoinableQueueTaskDoneTooMany)
	parallel(t, "TaskDoneRightAfterGet", testJoinableQueueFastTaskDone)
}

// A consumer that marks each item done as soon as it gets it, while the
// producer puts as fast as it can: the item is counted before a consumer
// can see it, so no TaskDone is refused and Join returns. (A put that
// counted its item after publishing it lost this race now and then: the
// consumer got ErrTaskDone and Join waited for ever.)
func testJoinableQueueFastTaskDone(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	q, err := mproc.NewJoinableQueue[int](0)
	if err != nil {
		t.Fatal(err)
	}
	done := newValue[int64](t, 0)
	p := startChild(t, ctx, commJQWorker, jqWorkerArg{Q: q, Done: done})
	const n = 200_000
	for i := range n {
		if err := q.Put(ctx, 1); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := q.Join(jctx); err != nil {
		alive, _ := p.IsAlive()
		t.Fatalf("Join: %v (%d of %d done; consumer alive: %v)", err, done.Load(), n, alive)
	}
	q.Close()
	if got := waitOK(t, ctx, p); got != n {
		t.Fatalf("the consumer marked %d items done, want %d", got, n)
	}
}

// Items come out in the order put; Len, Empty, Full and MaxSize follow.
func testQueueFIFOAndLen(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q := newQueue[int](t, 3)
	if mproc.MaxSize(q) != 3 || q.Len() != 0 || !q.Empty() || q.Full() {
		t.Fatalf("new queue: maxsize %d len %d empty %v full %v", mproc.MaxSize(q), q.Len(), q.Empty(), q.Full())
	}
	for i := range 3 {
		if err := q.Put(ctx, i*10); err != nil {
			t.Fatal(err)
		}
		if q.Len() != i+1 || q.Empty() {
			t.Fatalf("after %d puts: len %d empty %v", i+1, q.Len(), q.Empty())
		}
	}
	if !q.Full() {
		t.Fatal("Full is false with maxsize items in")
	}
	for i := range 3 {
		v, err := q.Get(ctx)
		if err != nil || v != i*10 {
			t.Fatalf("get %d: %d, %v", i, v, err)
		}
		if q.Full() || q.Len() != 2-i {
			t.Fatalf("after %d gets: len %d full %v", i+1, q.Len(), q.Full())
		}
	}
	if !q.Empty() {
		t.Fatal("not empty after every get")
	}
	// Unbounded: no Full before the buffer runs out.
	u := newQueue[int](t, 0)
	for i := range 1000 {
		if err := u.TryPut(i); err != nil {
			t.Fatalf("unbounded TryPut %d: %v", i, err)
		}
	}
	if u.Full() || u.Len() != 1000 || mproc.MaxSize(u) != 0 {
		t.Fatalf("unbounded: full %v len %d maxsize %d", u.Full(), u.Len(), mproc.MaxSize(u))
	}
}

// Put on a full queue waits until its deadline, then fails with ErrFull
// (and ctx's error), leaving the queue as it was.
func testQueuePutDeadline(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q := newQueue[int](t, 2)
	for i := range 2 {
		if err := q.Put(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	const d = 300 * time.Millisecond
	var err error
	took := timed(func() { err = q.Put(shortCtx(t, ctx, d), 99) })
	if !errors.Is(err, mproc.ErrFull) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Put on a full queue: %v, want ErrFull and DeadlineExceeded", err)
	}
	within(t, "Put on a full queue", took, d-20*time.Millisecond, d+2*time.Second)
	if q.Len() != 2 {
		t.Fatalf("len %d after the failed Put", q.Len())
	}
	// A cancelled ctx: at once, and it reads as cancelled, not as full.
	c, cancel := context.WithCancel(ctx)
	cancel()
	if err := q.Put(c, 99); errors.Is(err, mproc.ErrFull) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a cancelled ctx on a full queue: %v", err)
	}
	for i := range 2 {
		if v, err := q.Get(ctx); err != nil || v != i {
			t.Fatalf("get %d: %d, %v", i, v, err)
		}
	}
}

// Get on an empty queue waits until its deadline, then fails with ErrEmpty.
func testQueueGetDeadline(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q := newQueue[string](t, 0)
	const d = 300 * time.Millisecond
	var err error
	took := timed(func() { _, err = q.Get(shortCtx(t, ctx, d)) })
	if !errors.Is(err, mproc.ErrEmpty) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get on an empty queue: %v, want ErrEmpty and DeadlineExceeded", err)
	}
	within(t, "Get on an empty queue", took, d-20*time.Millisecond, d+2*time.Second)
	// The queue still works.
	if err := q.Put(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if s, err := q.Get(ctx); err != nil || s != "x" {
		t.Fatalf("%q, %v", s, err)
	}
}

// TryPut and TryGet fail at once on a full and an empty queue.
func testQueueTryPutTryGet(t *testing.T) {
	q := newQueue[int](t, 1)
	var err error
	if took := timed(func() { _, err = q.TryGet() }); !errors.Is(err, mproc.ErrEmpty) || took > time.Second {
		t.Fatalf("TryGet on an empty queue: %v after %v", err, took)
	}
	if err := q.TryPut(7); err != nil {
		t.Fatalf("TryPut with room: %v", err)
	}
	if took := timed(func() { err = q.TryPut(8) }); !errors.Is(err, mproc.ErrFull) || took > time.Second {
		t.Fatalf("TryPut on a full queue: %v after %v", err, took)
	}
	if v, err := q.TryGet(); err != nil || v != 7 {
		t.Fatalf("TryGet with an item: %d, %v", v, err)
	}
	if _, err := q.TryGet(); !errors.Is(err, mproc.ErrEmpty) {
		t.Fatalf("TryGet after the only item: %v", err)
	}
}

// After Close, a child that had the queue gets what is left, then
// ErrClosed; in this process every call returns ErrClosed at once, and the
// queue can no longer be passed on.
func testQueueClose(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q := newQueue[int](t, 0)
	for i := range 3 {
		if err := q.Put(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	gate := newEvent(t)
	p := startChild(t, ctx, commDrain, qDrainArg{Q: q, Go: gate, Keep: true})
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	gate.Set()
	if err := q.Put(ctx, 9); !errors.Is(err, mproc.ErrClosed) {
		t.Fatalf("Put after Close: %v", err)
	}
	if err := q.TryPut(9); !errors.Is(err, mproc.ErrClosed) {
		t.Fatalf("TryPut after Close: %v", err)
	}
	if _, err := q.Get(ctx); !errors.Is(err, mproc.ErrClosed) {
		t.Fatalf("Get here after Close: %v", err)
	}
	if _, err := q.TryGet(); !errors.Is(err, mproc.ErrClosed) {
		t.Fatalf("TryGet here after Close: %v", err)
	}
	if err := q.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if r := waitOK(t, ctx, p); !r.Closed || !slices.Equal(r.Items, []int{0, 1, 2}) {
		t.Fatalf("the child drained %v (closed: %v), want [0 1 2] then ErrClosed", r.Items, r.Closed)
	}
	if _, err := commPutRange.Start(ctx, qRange{Q: q, From: 0, N: 1}); !errors.Is(err, mproc.ErrClosed) {
		t.Fatalf("starting a child with the closed queue: %v", err)
	}
}

// Children reading a queue drain what was put before Close, between them
// exactly once, and then get ErrClosed.
func testQueueCloseChildrenDrain(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q := newQueue[int](t, 0)
	const n = 500
	for i := range n {
		if err := q.Put(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	gate := newEvent(t)
	var ps []*mproc.Proc[drainResult]
	for range 2 {
		ps = append(ps, startChild(t, ctx, commDrain, qDrainArg{Q: q, Go: gate, Keep: true}))
	}
	q.Close()
	gate.Set()
	seen := make([]int, n)
	for _, p := range ps {
		r := waitOK(t, ctx, p)
		if !r.Closed {
			t.Fatalf("%v did not end on ErrClosed", p)
		}
		last := -1
		for _, v := range r.Items {
			if v <= last {
				t.Fatalf("%v got %d after %d", p, v, last)
			}
			last = v
			seen[v]++
		}
	}
	for i, c := range seen {
		if c != 1 {
			t.Fatalf("item %d got %d times", i, c)
		}
	}
}

// A Get waiting on an empty queue, here or in a child, wakes with ErrClosed
// when the queue is closed.
func testQueueBlockedGetWakesOnClose(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q := newQueue[int](t, 0)
	ready := newEvent(t)
	p := startChild(t, ctx, commGetOne, qGetOneArg{Q: q, Ready: ready})
	errc := make(chan error, 1)
	go func() { _, err := q.Get(ctx); errc <- err }()
	if err := ready.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	stays(t, 100*time.Millisecond, "the Gets wait", func() bool { return len(errc) == 0 })
	if alive, _ := p.IsAlive(); !alive {
		t.Fatalf("%v ended before Close", p)
	}
	closed := time.Now()
	q.Close()
	if err := receive(t, errc, wakeBound, "Get here after Close"); !errors.Is(err, mproc.ErrClosed) {
		t.Fatalf("Get here woke with %v", err)
	}
	if _, err := p.Wait(shortCtx(t, ctx, wakeBound)); !errors.Is(err, mproc.ErrClosed) {
		t.Fatalf("the child's Get woke with %v", err)
	}
	t.Logf("both woke within %v", time.Since(closed))
}

// No feeder: a child that returns right after its Puts loses nothing.
func testQueueNoHiddenFeeder(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q := newQueue[int](t, 0)
	const n = 3000
	for round := range 3 {
		waitOK(t, ctx, startChild(t, ctx, commPutRange, qRange{Q: q, From: round * n, N: n}))
		// The producer has exited: everything must be in the queue already.
		if q.Len() != n {
			t.Fatalf("round %d: %d items after the producer exited, want %d", round, q.Len(), n)
		}
		for i := range n {
			v, err := q.TryGet()
			if err != nil || v != round*n+i {
				t.Fatalf("round %d item %d: %d, %v", round, i, v, err)
			}
		}
	}
}

// Items five times the queue's buffer cross intact both ways. (Each way
// has its own queue: on one queue, the second way runs into the bug of
// TestQueueNewProducerSeesUnreadItems.)
func testQueueLargeItems(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	q := newQueue[[]byte](t, 0, mproc.WithQueueBuffer(1<<20))
	sizes := []int{5 << 20, 1, 5<<20 + 3, 0, 700 << 10, 5 << 20}
	// Child to parent.
	p := startChild(t, ctx, commPutBig, bigItemsArg{Q: q, Sizes: sizes, Seed: 100})
	for i, n := range sizes {
		b, err := q.Get(ctx)
		if err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
		if len(b) != n {
			t.Fatalf("item %d: %d bytes, want %d", i, len(b), n)
		}
		if err := checkPattern(b, 100+uint64(i)); err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
	}
	waitOK(t, ctx, p)
	// Parent to child.
	q = newQueue[[]byte](t, 0, mproc.WithQueueBuffer(1<<20))
	c := startChild(t, ctx, commGetBig, bigItemsArg{Q: q, Sizes: sizes, Seed: 200})
	for i, n := range sizes {
		if err := q.Put(ctx, patterned(n, 200+uint64(i))); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	if got := waitOK(t, ctx, c); got != len(sizes) {
		t.Fatalf("the child checked %d items", got)
	}
	if !q.Empty() {
		t.Fatalf("%d items left", q.Len())
	}
}

type qRecord struct {
	Name  string
	Tags  map[string]int
	Inner []struct{ A, B float64 }
	Ptr   *int
}

var commEchoRecords = mproc.Register[[2]*mproc.Queue[qRecord], int]("test.comm.q.echorecords", func(ctx context.Context, qs [2]*mproc.Queue[qRecord]) (int, error) {
	n := 0
	for {
		r, err := qs[0].Get(ctx)
		if errors.Is(err, mproc.ErrClosed) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		r.Name += "!"
		if err := qs[1].Put(ctx, r); err != nil {
			return n, err
		}
		n++
	}
})

// Structured items cross and come back equal; fixed-size items keep their
// bits.
func testQueueTypes(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	in, out := newQueue[qRecord](t, 4), newQueue[qRecord](t, 4)
	p := startChild(t, ctx, commEchoRecords, [2]*mproc.Queue[qRecord]{in, out})
	for i := range 20 {
		x := i
		r := qRecord{Name: fmt.Sprint("r", i), Tags: map[string]int{"i": i}, Inner: []struct{ A, B float64 }{{float64(i), 0.5}}, Ptr: &x}
		if err := in.Put(ctx, r); err != nil {
			t.Fatal(err)
		}
		got, err := out.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != r.Name+"!" || got.Tags["i"] != i || len(got.Inner) != 1 || got.Inner[0].A != float64(i) || got.Ptr == nil || *got.Ptr != i {
			t.Fatalf("record %d came back as %+v", i, got)
		}
	}
	in.Close()
	if n := waitOK(t, ctx, p); n != 20 {
		t.Fatalf("the child echoed %d", n)
	}
	// Fixed-size values: raw memory, every bit kept.
	fq := newQueue[[3]float64](t, 0)
	v := [3]float64{math.Copysign(0, -1), 1e308, 5e-324}
	if err := fq.Put(ctx, v); err != nil {
		t.Fatal(err)
	}
	if got, err := fq.Get(ctx); err != nil || got != v || !math.Signbit(got[0]) {
		t.Fatalf("%v, %v", got, err)
	}
}

// Sizes that are not powers of two, or too small, are refused; so is a
// negative maxsize.
func testQueueBadOptions(t *testing.T) {
	for _, size := range []int{1000, 3 << 16, 1 << 10} {
		if q, err := mproc.NewQueue[int](0, mproc.WithQueueBuffer(size)); err == nil {
			q.Close()
			t.Errorf("buffer of %d bytes accepted", size)
		}
	}
	if q, err := mproc.NewQueue[int](-1); err == nil {
		q.Close()
		t.Error("maxsize -1 accepted")
	}
	q, err := mproc.NewQueue[int](0, mproc.WithQueueBuffer(64<<10))
	if err != nil {
		t.Fatalf("the smallest buffer: %v", err)
	}
	q.Close()
}

// SimpleQueue: put in a child, get here, Empty, Close.
func testSimpleQueue(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q, err := mproc.NewSimpleQueue[string]()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	if !q.Empty() {
		t.Fatal("a new SimpleQueue is not empty")
	}
	sent := []string{"a", "", "ccc", "dddd"}
	waitOK(t, ctx, startChild(t, ctx, commSQPut, sqArg{Q: q, Sent: sent}))
	if q.Empty() {
		t.Fatal("empty after the child's puts")
	}
	for i, want := range sent {
		if s, err := q.Get(ctx); err != nil || s != want {
			t.Fatalf("item %d: %q, %v", i, s, err)
		}
	}
	if !q.Empty() {
		t.Fatal("not empty after the gets")
	}
	if _, err := q.Get(shortCtx(t, ctx, 50*time.Millisecond)); !errors.Is(err, mproc.ErrEmpty) {
		t.Fatalf("Get on an empty SimpleQueue: %v", err)
	}
	q.Close()
	if err := q.Put(ctx, "x"); !errors.Is(err, mproc.ErrClosed) {
		t.Fatalf("Put after Close: %v", err)
	}
	if _, err := q.Get(ctx); !errors.Is(err, mproc.ErrClosed) {
		t.Fatalf("Get after Close: %v", err)
	}
}

// Join returns only once children have marked every item done.
func testJoinableQueueAcross(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q, err := mproc.NewJoinableQueue[int](0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	done := newValue[int64](t, 0)
	var ps []*mproc.Proc[int]
	for range 2 {
		ps = append(ps, startChild(t, ctx, commJQWorker, jqWorkerArg{Q: q, Done: done, Work: 3 * time.Millisecond}))
	}
	const n = 40
	want := int64(0)
	for i := 1; i <= n; i++ {
		if err := q.Put(ctx, i); err != nil {
			t.Fatal(err)
		}
		want += int64(i)
	}
	if err := q.Join(ctx); err != nil {
		t.Fatal(err)
	}
	// Every TaskDone comes after its item's work was counted.
	if got := done.Load(); got != want {
		t.Fatalf("Join returned with the work of %d done, want %d", got, want)
	}
	if mproc.Unfinished(q) != 0 {
		t.Fatalf("unfinished %d after Join", mproc.Unfinished(q))
	}
	// A second batch, after a Join that returned.
	for i := 1; i <= 10; i++ {
		if err := q.Put(ctx, 1000); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Join(ctx); err != nil {
		t.Fatal(err)
	}
	if got := done.Load(); got != want+10000 {
		t.Fatalf("second batch: %d, want %d", got, want+10000)
	}
	// Join of a queue with nothing unfinished returns at once.
	if err := q.Join(expired()); err != nil {
		t.Fatalf("Join with nothing unfinished: %v", err)
	}
	q.Close()
	total := 0
	for _, p := range ps {
		total += waitOK(t, ctx, p)
	}
	if total != n+10 {
		t.Fatalf("the workers processed %d items, want %d", total, n+10)
	}
}

// Join with a deadline returns ctx's error while items are unfinished, and
// nil once they are done.
func testJoinableQueueJoinDeadline(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q, err := mproc.NewJoinableQueue[int](0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	for i := range 2 {
		if err := q.Put(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	if mproc.Unfinished(q) != 2 {
		t.Fatalf("unfinished %d after two puts", mproc.Unfinished(q))
	}
	const d = 200 * time.Millisecond
	took := timed(func() { err = q.Join(shortCtx(t, ctx, d)) })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Join with unfinished items: %v", err)
	}
	within(t, "Join with unfinished items", took, d-20*time.Millisecond, d+2*time.Second)
	// Got but not done is still unfinished.
	for range 2 {
		if _, err := q.Get(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Join(shortCtx(t, ctx, 50*time.Millisecond)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Join with items got but not done: %v", err)
	}
	// A Join waiting here wakes when a child marks the last one done.
	if err := q.TaskDone(); err != nil {
		t.Fatal(err)
	}
	joined := make(chan error, 1)
	go func() { joined <- q.Join(ctx) }()
	stays(t, 50*time.Millisecond, "Join waits for the last item", func() bool { return len(joined) == 0 })
	waitOK(t, ctx, startChild(t, ctx, commJQTaskDone, q))
	if err := receive(t, joined, wakeBound, "Join after the last TaskDone"); err != nil {
		t.Fatalf("Join: %v", err)
	}
}

// More TaskDone calls than items fail with ErrTaskDone, here and in a child.
func testJoinableQueueTaskDoneTooMany(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q, err := mproc.NewJoinableQueue[int](0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	if err := q.TaskDone(); !errors.Is(err, mproc.ErrTaskDone) {
		t.Fatalf("TaskDone on a new queue: %v", err)
	}
	for i := range 2 {
		if err := q.Put(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 2 {
		if err := q.TaskDone(); err != nil {
			t.Fatalf("TaskDone %d of 2: %v", i, err)
		}
	}
	if err := q.TaskDone(); !errors.Is(err, mproc.ErrTaskDone) {
		t.Fatalf("third TaskDone for two items: %v", err)
	}
	if mproc.Unfinished(q) != 0 {
		t.Fatalf("unfinished %d", mproc.Unfinished(q))
	}
	p := startChild(t, ctx, commJQTaskDone, q)
	_, err = p.Wait(ctx)
	var re *mproc.RemoteError
	if !errors.As(err, &re) || !errors.Is(err, mproc.ErrTaskDone) {
		t.Fatalf("a child's extra TaskDone: %v, want a RemoteError matching ErrTaskDone", err)
	}
	if err := q.Join(expired()); err != nil {
		t.Fatalf("Join after the extra TaskDones: %v", err)
	}
}

// ---- Bugs found in the ring under queues and pipes ----

type tryPutArg struct {
	Q    *mproc.Queue[[]byte]
	N    int
	Seed uint64
}

// commTryPut TryPuts up to N patterned 1000-byte items and returns how many
// went in before ErrFull.
var commTryPut = mproc.Register[tryPutArg, int]("test.comm.q.tryput", func(a tryPutArg) (int, error) {
	for i := range a.N {
		err := a.Q.TryPut(patterned(1000, a.Seed+uint64(i)))
		if errors.Is(err, mproc.ErrFull) {
			return i, nil
		}
		if err != nil {
			return i, err
		}
	}
	return a.N, nil
})

// A producer checks for room against the consumers' position as it last
// saw it, and the unsigned arithmetic wraps when that is more than a whole
// buffer behind: a process that starts putting on a queue through which
// more than its buffer has already gone (a new worker; the parent putting
// after its children did) never sees the queue full, and overwrites items
// nobody has got yet. On a queue that does not grow, the TryPuts must fail
// once the buffer is full; on one that grows, they all go in. Either way
// every item put comes back intact.
func TestQueueNewProducerSeesUnreadItems(t *testing.T) {
	t.Run("Ring", func(t *testing.T) { testNewProducerSeesUnreadItems(t, false) })
	t.Run("Growing", func(t *testing.T) { testNewProducerSeesUnreadItems(t, true) })
}

func testNewProducerSeesUnreadItems(t *testing.T, grows bool) {
	noChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	const n = 100 // 100 items of 1000 bytes: more than the 64 KiB buffer
	opts := []mproc.QueueOption{mproc.WithQueueBuffer(64 << 10)}
	if !grows {
		opts = append(opts, noGrowth)
	}
	// check gets the put items back, intact.
	check := func(who string, q *mproc.Queue[[]byte], put int, seed uint64) {
		t.Helper()
		if put >= n && !grows {
			t.Errorf("%s: %d TryPuts of 1000 bytes went into a 64 KiB queue nobody reads (Len %d)", who, put, q.Len())
		}
		if put < n && grows {
			t.Errorf("%s: %d TryPuts of 1000 bytes went into a queue that grows, want %d", who, put, n)
		}
		for i := range put {
			b, err := q.TryGet()
			if err != nil || len(b) != 1000 || checkPattern(b, seed+uint64(i)) != nil {
				t.Errorf("%s: item %d of the %d put: %d bytes, %v", who, i, put, len(b), err)
				return
			}
		}
	}
	sizes := make([]int, n)
	for i := range sizes {
		sizes[i] = 1000
	}
	// A child puts, this process gets; then this process puts.
	q := newQueue[[]byte](t, 0, opts...)
	p := startChild(t, ctx, commPutBig, bigItemsArg{Q: q, Sizes: sizes, Seed: 1})
	for range n {
		if _, err := q.Get(ctx); err != nil {
			t.Fatal(err)
		}
	}
	waitOK(t, ctx, p)
	put := 0
	for ; put < n; put++ {
		if err := q.TryPut(patterned(1000, 1000+uint64(put))); err != nil {
			break
		}
	}
	check("this process, after a child put", q, put, 1000)
	// This process puts and gets; then a new child puts.
	q = newQueue[[]byte](t, 0, opts...)
	for i := range n {
		if err := q.Put(ctx, patterned(1000, uint64(i))); err != nil {
			t.Fatal(err)
		}
		if _, err := q.Get(ctx); err != nil {
			t.Fatal(err)
		}
	}
	put = waitOK(t, ctx, startChild(t, ctx, commTryPut, tryPutArg{Q: q, N: n, Seed: 2000}))
	check("a new child", q, put, 2000)
}

// A frame's commit stamp is the only thing that makes it visible, and the
// producer never clears the word where the next frame's stamp will go. So
// bytes of an earlier item that happen to equal that position (plus one)
// make a consumer take garbage for a frame. Here an item's payload holds,
// at each 8-byte word, the value the stamp word at that ring position
// would have one lap later, and a fake frame header; after two more items
// wrap the ring, TryGet on the empty queue returns an item nobody put.
func TestQueueStaleBytesAreNoFrame(t *testing.T) {
	noChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	const size = 64 << 10 // the smallest ring: the frame headers are 16 bytes, frames 8-aligned
	q := newQueue[[]byte](t, 0, mproc.WithQueueBuffer(size))
	evil := make([]byte, 32000) // the frame at ring offset 0; its payload starts at 16
	for j := 0; j+8 <= len(evil); j += 8 {
		binary.LittleEndian.PutUint64(evil[j:], uint64(16+j+size+1))
	}
	// A fake frame at ring offset 512 (payload offset 496): header at 504.
	binary.LittleEndian.PutUint32(evil[504:], 8) // payload length
	binary.LittleEndian.PutUint16(evil[508:], 1) // a whole item
	binary.LittleEndian.PutUint16(evil[510:], 0) // no flags
	copy(evil[512:], "PHANTOM!")
	// A child puts the three items; this process gets them as they come.
	items := [][]byte{evil, make([]byte, 32000), make([]byte, 2000)}
	p := startChild(t, ctx, commPutBytesList, bytesListArg{Q: q, Items: items})
	for i, want := range items {
		b, err := q.Get(ctx)
		if err != nil || len(b) != len(want) {
			t.Fatalf("item %d: %d bytes, %v", i, len(b), err)
		}
	}
	waitOK(t, ctx, p)
	// Nothing is left: the consumer waits at ring position 66048, where
	// the first item's bytes still say 66049.
	v, err := q.TryGet()
	if !errors.Is(err, mproc.ErrEmpty) {
		t.Errorf("TryGet on the empty queue: %q, %v; want ErrEmpty (Len %d)", v, err, q.Len())
	}
}

type bytesListArg struct {
	Q     *mproc.Queue[[]byte]
	Items [][]byte
}

var commPutBytesList = mproc.Register[bytesListArg, mproc.None]("test.comm.q.putbyteslist", func(ctx context.Context, a bytesListArg) error {
	for _, b := range a.Items {
		if err := a.Q.Put(ctx, b); err != nil {
			return err
		}
	}
	return nil
})

// startBigPutter starts a child that puts one item of n bytes, more than
// the queue holds, and returns once the child is stuck in the middle of
// it: the first pieces fill the queue and nobody takes them.
func startBigPutter(t *testing.T, ctx context.Context, q *mproc.Queue[[]byte], n int) *mproc.Proc[mproc.None] {
	t.Helper()
	// The producer lock is held by the child for the whole Put; a TryPut
	// here gives up on it with ErrFull after a few milliseconds.
	p := startChild(t, ctx, commPutBig, bigItemsArg{Q: q, Sizes: []int{n}, Seed: 1})
	waitUntil(t, ctx, "the child is in its Put", func() bool {
		if alive, _ := p.IsAlive(); !alive {
			t.Fatalf("%v ended: its %d-byte Put went through a queue nobody reads", p, n)
		}
		return tryPutBlocked(q)
	})
	return p
}

// tryPutBlocked reports whether a TryPut of an empty item fails now, which
// on a queue without an item limit means another producer holds the lock
// (or the buffer is full). An empty item that does go in is taken back
// out by the caller's checks (it has length 0).
func tryPutBlocked(q *mproc.Queue[[]byte]) bool {
	return errors.Is(q.TryPut(nil), mproc.ErrFull)
}

// A dead producer's unfinished large item is dropped; TryGet, which should
// fail at once when nothing can be got, then hangs instead: after dropping
// the pieces it goes back to waiting, with no deadline. On a queue that
// does not grow, the producer dies with its item in the ring; on one that
// grows, with its item across the ring and a full spill.
func TestQueueTryGetAfterProducerDiedMidItem(t *testing.T) {
	t.Run("Ring", func(t *testing.T) {
		testTryGetAfterProducerDiedMidItem(t, 256<<10, mproc.WithQueueBuffer(64<<10), noGrowth)
	})
	t.Run("Growing", func(t *testing.T) {
		testTryGetAfterProducerDiedMidItem(t, 1<<20, mproc.WithQueueBuffer(64<<10), smallSpill)
	})
}

func testTryGetAfterProducerDiedMidItem(t *testing.T, size int, opts ...mproc.QueueOption) {
	noChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	q := newQueue[[]byte](t, 0, opts...)
	p := startBigPutter(t, ctx, q, size)
	p.Kill()
	p.Join(ctx)
	got := make(chan error, 1)
	go func() {
		for {
			b, err := q.TryGet()
			if err == nil && len(b) == 0 {
				continue // an empty item of tryPutBlocked's
			}
			got <- err
			return
		}
	}()
	select {
	case err := <-got:
		if !errors.Is(err, mproc.ErrEmpty) {
			t.Fatalf("TryGet: %v, want ErrEmpty", err)
		}
	case <-time.After(3 * time.Second):
		q.Close() // lets the stuck TryGet go
		err := <-got
		t.Fatalf("TryGet was still waiting 3 s after the producer died mid-item (it returned %v after Close)", err)
	}
	// The queue is usable.
	if err := q.Put(ctx, []byte("after")); err != nil {
		t.Fatal(err)
	}
	if b, err := q.Get(ctx); err != nil || string(b) != "after" {
		t.Fatalf("%q, %v", b, err)
	}
}

// Put's deadline cuts a large item short by writing a small abort frame,
// and waits without a deadline for room for it: when the pieces left less
// than a frame header free, a Put with a 200 ms deadline blocks until a
// consumer comes.
func TestQueuePutDeadlineMidItem(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q := newQueue[[]byte](t, 0, mproc.WithQueueBuffer(64<<10), noGrowth)
	// 16320 bytes of frame (16 of header); the 100 KiB item's first three
	// pieces (16408 + 2*16400 bytes) then leave 8 bytes free.
	if err := q.Put(ctx, make([]byte, 16304)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	const d = 200 * time.Millisecond
	pctx := shortCtx(t, ctx, d)
	go func() { done <- q.Put(pctx, make([]byte, 100<<10)) }()
	select {
	case err := <-done:
		if !errors.Is(err, mproc.ErrFull) {
			t.Fatalf("Put of a large item at its deadline: %v, want ErrFull", err)
		}
	case <-time.After(d + 3*time.Second):
		q.Close() // lets it go
		err := <-done
		t.Fatalf("Put with a %v deadline was still blocked %v later (returned %v after Close)", d, 3*time.Second, err)
	}
	if b, err := q.Get(ctx); err != nil || len(b) != 16304 {
		t.Fatalf("the first item: %d bytes, %v", len(b), err)
	}
	if _, err := q.TryGet(); !errors.Is(err, mproc.ErrEmpty) {
		t.Fatalf("after the aborted item: %v", err)
	}
}

// TryPut of an item larger than half the buffer writes the first piece and
// then waits, without a deadline, for consumers to make room for the
// rest: with no consumer it never returns.
func TestQueueTryPutLargeItemReturns(t *testing.T) {
	q := newQueue[[]byte](t, 0, mproc.WithQueueBuffer(64<<10))
	done := make(chan error, 1)
	go func() { done <- q.TryPut(make([]byte, 100<<10)) }()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, mproc.ErrFull) {
			t.Fatalf("TryPut: %v", err)
		}
	case <-time.After(3 * time.Second):
		q.Close()
		err := <-done
		t.Fatalf("TryPut of a 100 KiB item into an empty 64 KiB queue without a consumer was still blocked after 3 s (returned %v after Close)", err)
	}
}
