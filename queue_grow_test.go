package mproc_test

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"mproc"
)

// ---- Queues grow instead of making Put wait ----

// TestQueueGrowth runs its leak check alone (it counts this process's
// descriptors and mappings), then the rest in parallel.
func TestQueueGrowth(t *testing.T) {
	noChildLeft(t)
	t.Run("NoLeaks", testQueueGrowthNoLeaks)
	parallel(t, "JoinChildBeforeGet", testQueueJoinChildBeforeGet)
	parallel(t, "ManyProcesses", testQueueGrowManyProcesses)
	parallel(t, "Joinable", testJoinableQueueGrows)
}

// CPython's "joining processes that use queues": a child puts 100 items of
// 100 KB, 10 MB where the buffer holds 4 MiB, and returns; the parent
// joins it before getting anything. The child's Puts do not wait for the
// parent, so the join returns, and every item is there, intact and in
// order; once they are got, the queue gives back the memory it grew by.
func testQueueJoinChildBeforeGet(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	q := newQueue[[]byte](t, 0)
	sizes := slices.Repeat([]int{100_000}, 100)
	p := startChild(t, ctx, commPutBig, bigItemsArg{Q: q, Sizes: sizes, Seed: 7})
	if err := p.Join(ctx); err != nil {
		t.Fatalf("joining the child before getting: %v", err)
	}
	waitOK(t, ctx, p)
	if q.Len() != len(sizes) {
		t.Fatalf("%d items in the queue after the child returned, want %d", q.Len(), len(sizes))
	}
	grown := mproc.SpillAllocated(q)
	if grown < 5<<20 {
		t.Fatalf("the queue grew by %d bytes for 10 MB of items in a 4 MiB buffer", grown)
	}
	for i, n := range sizes {
		b, err := q.Get(ctx)
		if err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
		if len(b) != n {
			t.Fatalf("item %d: %d bytes, want %d", i, len(b), n)
		}
		if err := checkPattern(b, 7+uint64(i)); err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
	}
	if _, err := q.TryGet(); !errors.Is(err, mproc.ErrEmpty) {
		t.Fatalf("TryGet after the 100 items: %v", err)
	}
	// One page at most stays: the one its last frame is in.
	if left := mproc.SpillAllocated(q); left > 4096 {
		t.Fatalf("the drained queue still holds %d of the %d bytes it grew by", left, grown)
	}
}

// testQueueGrowthNoLeaks runs a child's puts through a grown queue twice
// and checks, after the second, that this process has no more descriptors
// than before it, that nothing of the spill is mapped here any more, and
// that /dev/shm is as it was.
func testQueueGrowthNoLeaks(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	round := func() {
		q, err := mproc.NewQueue[[]byte](0, mproc.WithQueueBuffer(64<<10))
		if err != nil {
			t.Fatal(err)
		}
		sizes := slices.Repeat([]int{30_000}, 40)
		waitOK(t, ctx, startChild(t, ctx, commPutBig, bigItemsArg{Q: q, Sizes: sizes, Seed: 1}))
		if mproc.SpillAllocated(q) == 0 {
			t.Fatal("1.2 MB of items in a 64 KiB buffer and the queue did not grow")
		}
		for i := range sizes {
			if _, err := q.Get(ctx); err != nil {
				t.Fatalf("item %d: %v", i, err)
			}
		}
		if n := spillMappings(t); n != 0 {
			t.Errorf("%d mappings of the spill after it was drained", n)
		}
		q.Close()
	}
	round() // warms up what the first child start opens for good
	before, shm := openFDs(t), devShm(t)
	round()
	if after := openFDs(t); after > before {
		t.Errorf("open descriptors: %d before, %d after", before, after)
	}
	if after := devShm(t); !slices.Equal(shm, after) {
		t.Errorf("/dev/shm changed:\nbefore %q\nafter  %q", shm, after)
	}
}

// spillMappings counts this process's mappings of queue spills.
func spillMappings(t *testing.T) int {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(maps), "memfd:mproc-spill")
}

func devShm(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir("/dev/shm")
	if err != nil {
		t.Fatalf("/dev/shm: %v", err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// growItem is robustItem with its own sizes: mostly small, every tenth
// 20-80 KB, so that a few thousand of them make megabytes.
func growItem(producer, seq int) robustItem {
	n := (seq*131 + producer) % 2000
	if seq%10 == 3 {
		n = 20_000 + (seq*7919+producer*104729)%60_000
	}
	d := patterned(n, uint64(producer)<<32|uint64(seq))
	return robustItem{Round: producer, Seq: seq, Data: d, Sum: crc32.ChecksumIEEE(d)}
}

func (it robustItem) checkGrow() error {
	want := growItem(it.Round, it.Seq)
	if len(it.Data) != len(want.Data) || it.Sum != want.Sum || crc32.ChecksumIEEE(it.Data) != it.Sum {
		return fmt.Errorf("item %d of producer %d: %d bytes, not as put", it.Seq, it.Round, len(it.Data))
	}
	return nil
}

type growPutArg struct {
	Q           *mproc.Queue[robustItem]
	Producer, N int
}

type growGetArg struct {
	Q     *mproc.Queue[robustItem]
	Ready *mproc.Value[int32]
	Go    *mproc.Event
}

var (
	// commGrowPut puts growItems 0..N-1 of its producer.
	commGrowPut = mproc.Register[growPutArg, mproc.None]("test.comm.grow.put", func(ctx context.Context, a growPutArg) error {
		for seq := range a.N {
			if err := a.Q.Put(ctx, growItem(a.Producer, seq)); err != nil {
				return fmt.Errorf("put %d: %w", seq, err)
			}
		}
		return nil
	})

	// commGrowGet waits at Go, then gets until the queue is closed,
	// checking each item and that each producer's come in order; it
	// returns what it got, as producer<<32 | seq.
	commGrowGet = mproc.Register[growGetArg, []uint64]("test.comm.grow.get", func(ctx context.Context, a growGetArg) ([]uint64, error) {
		a.Ready.Add(1)
		if err := a.Go.Wait(ctx); err != nil {
			return nil, err
		}
		var got []uint64
		last := map[int]int{}
		for {
			it, err := a.Q.Get(ctx)
			if errors.Is(err, mproc.ErrClosed) {
				return got, nil
			}
			if err != nil {
				return got, err
			}
			if err := it.checkGrow(); err != nil {
				return got, err
			}
			if l, ok := last[it.Round]; ok && it.Seq <= l {
				return got, fmt.Errorf("item %d of producer %d after its item %d", it.Seq, it.Round, l)
			}
			last[it.Round] = it.Seq
			got = append(got, uint64(it.Round)<<32|uint64(it.Seq))
		}
	})
)

// Three producers and three consumers, all children, on a queue with a
// 64 KiB buffer: the producers put megabytes before the consumers start
// (one of them receives the queue only then), then both sides run
// together, the queue going between its buffer and its spill. Every item
// is got once, intact, each producer's in order; the drained queue gives
// its memory back.
func testQueueGrowManyProcesses(t *testing.T) {
	ctx := ctxTimeout(t, 120*time.Second)
	const producers, n = 3, 1500
	q := newQueue[robustItem](t, 0, mproc.WithQueueBuffer(64<<10))
	get := growGetArg{Q: q, Ready: newValue[int32](t, 0), Go: newEvent(t)}
	var cs []*mproc.Proc[[]uint64]
	for range 2 {
		cs = append(cs, startChild(t, ctx, commGrowGet, get))
	}
	var ps []*mproc.Proc[mproc.None]
	for i := range producers {
		ps = append(ps, startChild(t, ctx, commGrowPut, growPutArg{Q: q, Producer: i, N: n}))
	}
	waitUntil(t, ctx, "the queue grows", func() bool { return q.Len() >= 600 })
	grown := mproc.SpillAllocated(q)
	cs = append(cs, startChild(t, ctx, commGrowGet, get))
	waitUntil(t, ctx, "the consumers are ready", func() bool { return get.Ready.Load() == 3 })
	get.Go.Set()
	for _, p := range ps {
		waitOK(t, ctx, p)
	}
	waitUntil(t, ctx, "the consumers take the last items", func() bool { return q.Empty() })
	q.Close()
	seen := map[uint64]int{}
	for i, c := range cs {
		got := waitOK(t, ctx, c)
		t.Logf("consumer %d got %d items", i, len(got))
		for _, k := range got {
			seen[k]++
		}
	}
	for p := range producers {
		for s := range n {
			if c := seen[uint64(p)<<32|uint64(s)]; c != 1 {
				t.Fatalf("item %d of producer %d got %d times", s, p, c)
			}
		}
	}
	if len(seen) != producers*n {
		t.Fatalf("%d distinct items got, want %d", len(seen), producers*n)
	}
	t.Logf("the queue had grown by %d bytes when the consumers started", grown)
}

type jqGrowArg struct {
	Q *mproc.JoinableQueue[[]byte]
	N int
}

// commJQGrowPut puts N items of 10 KB.
var commJQGrowPut = mproc.Register[jqGrowArg, mproc.None]("test.comm.grow.jqput", func(ctx context.Context, a jqGrowArg) error {
	for i := range a.N {
		if err := a.Q.Put(ctx, patterned(10_000, uint64(i))); err != nil {
			return err
		}
	}
	return nil
})

// A JoinableQueue grown beyond its buffer counts every item unfinished
// until marked done, wherever it was put.
func testJoinableQueueGrows(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	q, err := mproc.NewJoinableQueue[[]byte](0, mproc.WithQueueBuffer(64<<10))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	const n = 200
	waitOK(t, ctx, startChild(t, ctx, commJQGrowPut, jqGrowArg{Q: q, N: n}))
	if u := mproc.Unfinished(q); u != n {
		t.Fatalf("%d unfinished after %d puts", u, n)
	}
	for i := range n {
		b, err := q.Get(ctx)
		if err != nil || checkPattern(b, uint64(i)) != nil {
			t.Fatalf("item %d: %d bytes, %v", i, len(b), err)
		}
		if err := q.Join(shortCtx(t, ctx, time.Millisecond)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Join with %d items unfinished: %v", n-i, err)
		}
		if err := q.TaskDone(); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Join(ctx); err != nil {
		t.Fatalf("Join after every TaskDone: %v", err)
	}
}
