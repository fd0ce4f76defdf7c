package ring

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"mproc/internal/shm"
)

// newGrowing makes a ring of MinSize that grows into a spill of four
// extents of 64 KiB, small enough to wrap and fill in a test.
func newGrowing(t *testing.T, maxItems int) *Ring {
	t.Helper()
	r, err := Make(Config{Size: MinSize, MaxItems: maxItems, Spill: 4 * MinSize, Extent: MinSize})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.Detach()
		r.ctl.Release()
		r.data.Release()
		r.sp.seg.Release()
	})
	return r
}

// item is producer p's i-th item of n bytes: its header says whose and
// which, and the rest is a pattern of both.
func item(p, i, n int) []byte {
	b := make([]byte, max(n, 8))
	binary.LittleEndian.PutUint32(b, uint32(p))
	binary.LittleEndian.PutUint32(b[4:], uint32(i))
	for j := 8; j < len(b); j++ {
		b[j] = byte(p*31 + i*7 + j)
	}
	return b
}

func checkItem(b []byte) (p, i int, err error) {
	if len(b) < 8 {
		return 0, 0, fmt.Errorf("an item of %d bytes", len(b))
	}
	p, i = int(binary.LittleEndian.Uint32(b)), int(binary.LittleEndian.Uint32(b[4:]))
	for j := 8; j < len(b); j++ {
		if b[j] != byte(p*31+i*7+j) {
			return p, i, fmt.Errorf("item %d of producer %d: byte %d of %d is wrong", i, p, j, len(b))
		}
	}
	return p, i, nil
}

// sizeOf varies the items: mostly small, some larger than half the ring
// (chunked), some just under.
func sizeOf(i int) int {
	switch i % 11 {
	case 3:
		return 40<<10 + i%5000
	case 7:
		return 20 << 10
	}
	return 8 + i*37%600
}

func allocated(t *testing.T, s *shm.Segment) int64 {
	t.Helper()
	n, err := s.Allocated()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// With nobody getting, TryPuts that may grow never fail until the spill
// is full; everything comes back in order, and the spill's memory is given
// back once drained. Three rounds: the spill's positions wrap.
func TestGrowWithoutConsumer(t *testing.T) {
	t.Parallel()
	r := newGrowing(t, 0)
	ctx := context.Background()
	for round := range 3 {
		n := 0
		for ; n < 1000; n++ {
			err := r.Put(ctx, item(round, n, sizeOf(n)), Options{NoWait: true, Grow: true})
			if errors.Is(err, ErrFull) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		// The ring and the spill hold 320 KiB: at least 200 KiB went in.
		if r.Len() != n || n < 30 {
			t.Fatalf("round %d: %d items went in, Len %d", round, n, r.Len())
		}
		if a := allocated(t, r.sp.seg); a < 128<<10 {
			t.Fatalf("round %d: the spill holds %d bytes with %d items in", round, a, n)
		}
		for i := range n {
			b, err := get(r, ctx, Options{NoWait: true})
			if err != nil {
				t.Fatalf("round %d, item %d of %d: %v", round, i, n, err)
			}
			if p, k, err := checkItem(b); err != nil || p != round || k != i || len(b) != max(sizeOf(i), 8) {
				t.Fatalf("round %d: item %d of producer %d where %d was due (%d bytes): %v", round, k, p, i, len(b), err)
			}
		}
		if _, err := get(r, ctx, Options{NoWait: true}); !errors.Is(err, ErrEmpty) {
			t.Fatalf("round %d: drained: %v", round, err)
		}
		// The consumer left the spill at its seal: what is left is the
		// page that holds it.
		if a := allocated(t, r.sp.seg); a > shm.PageSize {
			t.Fatalf("round %d: the drained spill holds %d bytes", round, a)
		}
		if r.sp.prod.Load() != nil || r.sp.cons.Load() != nil {
			t.Fatalf("round %d: a window is still mapped after the spill was drained", round)
		}
	}
}

// On a full ring nobody reads, a Put that may grow waits SpillAfter, once:
// the Puts after it find the consumers where they were and go straight to
// the spill. One that may not grow waits for room in the ring, as before.
func TestGrowWaitsOnlyOnce(t *testing.T) {
	t.Parallel()
	r := newGrowing(t, 0)
	ctx := context.Background()
	for r.Put(ctx, make([]byte, 1000), Options{NoWait: true}) == nil {
	}
	start := time.Now()
	if err := r.Put(ctx, make([]byte, 1000), Options{Grow: true}); err != nil {
		t.Fatal(err)
	}
	first := time.Since(start)
	const n = 100
	start = time.Now()
	for range n {
		if err := r.Put(ctx, make([]byte, 1000), Options{Grow: true}); err != nil {
			t.Fatal(err)
		}
	}
	// Had each waited, they would take n*SpillAfter.
	if d := time.Since(start); d > n*SpillAfter/2 {
		t.Fatalf("%d Puts into the open spill took %v (the first %v)", n, d, first)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := r.Put(short, make([]byte, 1000), Options{}); !errors.Is(err, ErrFull) {
		t.Fatalf("a Put that may not grow, on a full ring with a spill open: %v", err)
	}
	for i := range r.Len() {
		if _, err := get(r, ctx, Options{NoWait: true}); err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
	}
}

// Producers and consumers in goroutines, the consumers slower now and
// then so that the ring fills and the spill opens and closes many times:
// every item comes out once, in each producer's order.
func TestGrowManyProducersConsumers(t *testing.T) {
	t.Parallel()
	r := newGrowing(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const producers, consumers, n = 3, 3, 3000
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range n {
				if err := r.Put(ctx, item(p, i, sizeOf(i)), Options{Grow: true}); err != nil {
					t.Errorf("producer %d, item %d: %v", p, i, err)
					return
				}
			}
		})
	}
	var mu sync.Mutex
	next := make([]int, producers)
	got := 0
	var cw sync.WaitGroup
	for c := range consumers {
		cw.Go(func() {
			for k := 0; ; k++ {
				if k%200 == 0 {
					time.Sleep(3 * time.Millisecond) // the work: the ring fills meanwhile
				}
				var p, i int
				var cerr error
				err := r.Get(ctx, Options{}, func(b []byte, _ uint16) error {
					p, i, cerr = checkItem(b)
					mu.Lock()
					defer mu.Unlock()
					if cerr == nil && (p >= producers || next[p] != i) {
						cerr = fmt.Errorf("consumer %d: item %d of producer %d where %d was due", c, i, p, next[p%producers])
					}
					if cerr == nil {
						next[p]++
						got++
					}
					return cerr
				})
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("consumer %d: %v", c, err)
					return
				}
			}
		})
	}
	wg.Wait()
	r.Close()
	cw.Wait()
	if got != producers*n {
		t.Fatalf("got %d items of %d", got, producers*n)
	}
}

// A spill grown to its whole size makes Put wait like a full ring; a
// TryPut says ErrFull.
func TestGrowFullSpill(t *testing.T) {
	t.Parallel()
	r := newGrowing(t, 0)
	ctx := context.Background()
	for r.Put(ctx, make([]byte, 1000), Options{NoWait: true, Grow: true}) == nil {
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := r.Put(short, make([]byte, 1000), Options{Grow: true}); !errors.Is(err, ErrFull) {
		t.Fatalf("a Put into a full spill: %v", err)
	}
	// The queue is as it was: its first item comes out.
	b, err := get(r, ctx, Options{})
	if err != nil || len(b) != 1000 {
		t.Fatalf("%d bytes, %v", len(b), err)
	}
}
