package mproc_test

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"math/bits"
	"testing"
	"time"

	"mproc"
)

// ---- Robustness: processes killed in the middle, many producers and consumers ----

// robustItem checks itself: its data is the pattern of (Round, Seq) and
// Sum is its CRC, so a torn, shifted or mixed item is detected.
type robustItem struct {
	Round, Seq int
	Data       []byte
	Sum        uint32
}

// robustSize varies the items: empty, small, and every seventh one large
// enough to cross a 64 KiB queue buffer in pieces.
func robustSize(round, seq int) int {
	switch (round + seq) % 7 {
	case 3:
		return 40<<10 + (seq*7919+round*104729)%(160<<10)
	case 5:
		return 0
	}
	return (seq*131 + round) % 300
}

func makeRobustItem(round, seq int) robustItem {
	d := patterned(robustSize(round, seq), uint64(round)<<32|uint64(seq))
	return robustItem{Round: round, Seq: seq, Data: d, Sum: crc32.ChecksumIEEE(d)}
}

func (it robustItem) check(round, seq int) error {
	switch {
	case it.Round != round || it.Seq != seq:
		return fmt.Errorf("item (round %d, seq %d) where (%d, %d) was due", it.Round, it.Seq, round, seq)
	case len(it.Data) != robustSize(round, seq):
		return fmt.Errorf("item (%d, %d): %d bytes, want %d", round, seq, len(it.Data), robustSize(round, seq))
	case crc32.ChecksumIEEE(it.Data) != it.Sum:
		return fmt.Errorf("item (%d, %d): checksum mismatch", round, seq)
	}
	return checkPattern(it.Data, uint64(round)<<32|uint64(seq))
}

type streamArg struct {
	Q     *mproc.Queue[robustItem]
	Round int
	Done  *mproc.Value[int64] // Puts that returned
}

// commStream puts items of its round until it is killed, counting each Put
// that returned.
var commStream = mproc.Register[streamArg, mproc.None]("test.comm.robust.stream", func(ctx context.Context, a streamArg) error {
	for seq := 0; ; seq++ {
		if err := a.Q.Put(ctx, makeRobustItem(a.Round, seq)); err != nil {
			return err
		}
		a.Done.Store(int64(seq + 1))
	}
})

// noGrowth makes a queue that does not grow: its Put waits for room in its
// buffer, for tests of the ring alone.
var noGrowth = mproc.WithSpill(0, 0)

// smallSpill makes a queue grow by 256 KiB at most, in extents of 64 KiB:
// a producer that outruns its consumers then waits, in the spill, as it
// would in a full ring.
var smallSpill = mproc.WithSpill(256<<10, 64<<10)

// A producer SIGKILLed at varied points of its stream of Puts, 100 times on
// the same queue: the consumer gets every Put that returned, exactly once,
// in order, never a torn item, and nothing else; and the queue goes on
// working (a Put here after each kill comes through). On a queue that does
// not grow, the producer is killed in the ring, mostly waiting for room
// in the middle of a large item; on one that grows, anywhere in the ring,
// the spill and the moves between them, mostly waiting for room in a full
// spill.
func TestQueueProducerKilledMidPut(t *testing.T) {
	t.Run("Ring", func(t *testing.T) { testProducerKilledMidPut(t, noGrowth, false) })
	t.Run("Growing", func(t *testing.T) { testProducerKilledMidPut(t, smallSpill, true) })
}

func testProducerKilledMidPut(t *testing.T, grow mproc.QueueOption, grows bool) {
	noChildLeft(t)
	ctx := ctxTimeout(t, 60*time.Second)
	q := newQueue[robustItem](t, 0, mproc.WithQueueBuffer(64<<10), grow)
	done := newValue[int64](t, 0)
	const rounds = 100
	start := time.Now()
	extra, grown := 0, 0
	for round := range rounds {
		// A round takes milliseconds; a lost or stuck item shows as a Get
		// that waits out this.
		rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		done.Store(0)
		p := startChild(t, rctx, commStream, streamArg{Q: q, Round: round, Done: done})
		// Read a varied number of items before the kill: the producer is
		// then anywhere in a Put, often inside a large item, since the
		// buffer holds little.
		next := 0
		for range (round * 7) % 23 {
			it, err := q.Get(rctx)
			if err != nil {
				t.Fatalf("round %d, before the kill, after %d items: %v", round, next, err)
			}
			if err := it.check(round, next); err != nil {
				t.Fatalf("round %d, before the kill: %v", round, err)
			}
			next++
		}
		if grows {
			// Nobody gets now: the producer goes on in the spill. Kill it at
			// varied points there, the last ones with the spill full.
			least := 1 + round%5*50<<10
			waitUntil(t, rctx, "the queue grows", func() bool { return mproc.SpilledBytes(q) >= least })
		}
		if mproc.SpilledBytes(q) > 0 {
			grown++
		}
		if err := p.Kill(); err != nil {
			t.Fatalf("round %d: kill: %v", round, err)
		}
		if err := p.Join(rctx); err != nil {
			t.Fatalf("round %d: join: %v", round, err)
		}
		if code, _ := p.ExitCode(); code != -9 {
			t.Fatalf("round %d: %v ended with %d before the kill", round, p, code)
		}
		completed := int(done.Load())
		// A marker put here, after the dead producer (which may have held
		// the producer lock, half-way through an item).
		if err := q.Put(rctx, robustItem{Round: round, Seq: -1}); err != nil {
			t.Fatalf("round %d: Put after the kill: %v", round, err)
		}
		for {
			it, err := q.Get(rctx)
			if err != nil {
				t.Fatalf("round %d: draining after %d items (%d Puts completed): %v", round, next, int(done.Load()), err)
			}
			if it.Seq == -1 && it.Round == round {
				break
			}
			if err := it.check(round, next); err != nil {
				t.Fatalf("round %d, after the kill: %v", round, err)
			}
			next++
		}
		// Every Put that returned, and at most the one that committed just
		// before the kill.
		if next < completed || next > completed+1 {
			t.Fatalf("round %d: got %d items, the producer completed %d Puts", round, next, completed)
		}
		extra += next - completed
		if q.Len() != 0 {
			t.Fatalf("round %d: %d items left after the marker", round, q.Len())
		}
	}
	t.Logf("%d rounds in %v; %d kills fell between a commit and the return of its Put; %d with items in the spill",
		rounds, time.Since(start).Round(time.Millisecond), extra, grown)
	if grows && grown < rounds/2 {
		t.Fatalf("only %d of %d kills found the queue grown", grown, rounds)
	}
	// Still a working queue, both ways and with a large item.
	big := makeRobustItem(0, 3)
	if err := q.Put(ctx, big); err != nil {
		t.Fatal(err)
	}
	if it, err := q.Get(ctx); err != nil || it.check(0, 3) != nil {
		t.Fatalf("after the rounds: %v", err)
	}
	if _, err := q.TryGet(); !errors.Is(err, mproc.ErrEmpty) {
		t.Fatalf("TryGet at the end: %v", err)
	}
}

// A consumer killed while it waits in Get, holding the consumers' lock or
// waiting for it: the other consumers go on and get every item put
// afterwards.
func TestQueueConsumerKilledInGet(t *testing.T) {
	noChildLeft(t)
	ctx := ctxTimeout(t, 60*time.Second)
	q := newQueue[int](t, 0)
	ready := newValue[int32](t, 0)
	arg := qDrainArg{Q: q, Ready: ready}
	// The first victim waits in Get alone, so it holds the consumer lock.
	victim := startChild(t, ctx, commDrain, arg)
	waitUntil(t, ctx, "the first victim in Get", func() bool { return ready.Load() == 1 })
	var survivors []*mproc.Proc[drainResult]
	for range 2 {
		survivors = append(survivors, startChild(t, ctx, commDrain, arg))
	}
	waitUntil(t, ctx, "the survivors in Get", func() bool { return ready.Load() == 3 })
	stays(t, 20*time.Millisecond, "the victim waits", func() bool { a, _ := victim.IsAlive(); return a })
	victim.Kill()
	if err := victim.Join(ctx); err != nil {
		t.Fatal(err)
	}
	// The second victim waits for the lock a survivor now holds.
	victim2 := startChild(t, ctx, commDrain, arg)
	waitUntil(t, ctx, "the second victim in Get", func() bool { return ready.Load() == 4 })
	stays(t, 20*time.Millisecond, "the second victim waits", func() bool { a, _ := victim2.IsAlive(); return a })
	victim2.Kill()
	if err := victim2.Join(ctx); err != nil {
		t.Fatal(err)
	}
	for _, v := range []*mproc.Proc[drainResult]{victim, victim2} {
		var ee *mproc.ExitError
		if _, err := v.Wait(ctx); !errors.As(err, &ee) {
			t.Fatalf("a killed consumer's result: %v", err)
		}
	}
	// Items put now go to the survivors.
	const n = 2000
	sum := 0
	put := time.Now()
	for i := range n {
		if err := q.Put(ctx, i); err != nil {
			t.Fatal(err)
		}
		sum += i
	}
	waitUntil(t, shortCtx(t, ctx, 10*time.Second), "the survivors take the items", func() bool { return q.Empty() })
	t.Logf("the survivors took %d items in %v", n, time.Since(put))
	q.Close()
	count, got := 0, 0
	for _, p := range survivors {
		r := waitWithin(t, ctx, 10*time.Second, p)
		if !r.Closed {
			t.Fatalf("%v did not end on ErrClosed", p)
		}
		count += r.Count
		got += r.Sum
	}
	if count != n || got != sum {
		t.Fatalf("the survivors got %d items summing to %d, want %d summing to %d", count, got, n, sum)
	}
}

type bitmapArg struct {
	Q     *mproc.Queue[uint32]
	N     int // items are 0..N-1
	Ready *mproc.Value[int32]
}

type bitmapResult struct {
	Count int
	Bits  []uint64
	Dups  int // items this consumer got more than once
}

type rangeArg struct {
	Q       *mproc.Queue[uint32]
	From, N uint32
	G       gate
}

var (
	// commBitmap gets until the queue is closed, marking each item.
	commBitmap = mproc.Register[bitmapArg, bitmapResult]("test.comm.robust.bitmap", func(ctx context.Context, a bitmapArg) (bitmapResult, error) {
		r := bitmapResult{Bits: make([]uint64, (a.N+63)/64)}
		a.Ready.Add(1)
		for {
			v, err := a.Q.Get(ctx)
			if errors.Is(err, mproc.ErrClosed) {
				return r, nil
			}
			if err != nil {
				return r, err
			}
			if int(v) >= a.N {
				return r, fmt.Errorf("item %d out of range", v)
			}
			if r.Bits[v/64]&(1<<(v%64)) != 0 {
				r.Dups++
			}
			r.Bits[v/64] |= 1 << (v % 64)
			r.Count++
		}
	})

	// commGatedRange waits at the gate, then puts From..From+N-1.
	commGatedRange = mproc.Register[rangeArg, mproc.None]("test.comm.robust.gatedrange", func(ctx context.Context, a rangeArg) error {
		if err := a.G.pass(ctx); err != nil {
			return err
		}
		for i := range a.N {
			if err := a.Q.Put(ctx, a.From+i); err != nil {
				return err
			}
		}
		return nil
	})
)

// Four producers and four consumers, all children, 100,000 items from each
// producer: every item is got exactly once.
func TestQueueManyProducersConsumers(t *testing.T) {
	noChildLeft(t)
	ctx := ctxTimeout(t, 120*time.Second)
	const producers, consumers, n = 4, 4, 400_000
	q := newQueue[uint32](t, 1000) // bounded: producers wait for the consumers too
	ready := newValue[int32](t, 0)
	var cs []*mproc.Proc[bitmapResult]
	for range consumers {
		cs = append(cs, startChild(t, ctx, commBitmap, bitmapArg{Q: q, N: n, Ready: ready}))
	}
	g := newGate(t)
	var ps []*mproc.Proc[mproc.None]
	for i := range producers {
		ps = append(ps, startChild(t, ctx, commGatedRange, rangeArg{Q: q, From: uint32(i * n / producers), N: n / producers, G: g}))
	}
	waitUntil(t, ctx, "the consumers in Get", func() bool { return ready.Load() == consumers })
	g.open(t, ctx, producers)
	start := time.Now()
	for _, p := range ps {
		waitOK(t, ctx, p)
	}
	waitUntil(t, ctx, "the consumers take the last items", func() bool { return q.Empty() })
	elapsed := time.Since(start)
	q.Close()
	all := make([]uint64, (n+63)/64)
	total := 0
	for i, c := range cs {
		r := waitOK(t, ctx, c)
		if r.Dups > 0 {
			t.Errorf("consumer %d got %d items twice", i, r.Dups)
		}
		ones := 0
		for w, b := range r.Bits {
			if all[w]&b != 0 {
				t.Fatalf("consumer %d got items another consumer got too (word %d: %#x)", i, w, all[w]&b)
			}
			all[w] |= b
			ones += bits.OnesCount64(b)
		}
		if ones != r.Count-r.Dups {
			t.Fatalf("consumer %d: %d distinct items, count %d", i, ones, r.Count)
		}
		total += r.Count
		t.Logf("consumer %d got %d items", i, r.Count)
	}
	missing := 0
	for v := range n {
		if all[v/64]&(1<<(v%64)) == 0 {
			missing++
		}
	}
	if missing > 0 || total != n {
		t.Fatalf("%d items got in all, %d missing, want each of %d once", total, missing, n)
	}
	t.Logf("%d items through %d producers and %d consumers in %v (%.0f items/s)", n, producers, consumers, elapsed, n/elapsed.Seconds())
}
