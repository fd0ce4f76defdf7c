package ring

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"testing"
	"time"
)

func newRing(t *testing.T, size, max int) *Ring {
	t.Helper()
	r, err := New(size, max)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func get(r *Ring, ctx context.Context, o Options) ([]byte, error) {
	var out []byte
	err := r.Get(ctx, o, func(p []byte, _ uint16) error { out = append([]byte(nil), p...); return nil })
	return out, err
}

func TestPutGetOrder(t *testing.T) {
	r := newRing(t, MinSize, 0)
	ctx := context.Background()
	for i := range 1000 {
		if err := r.Put(ctx, []byte{byte(i), byte(i >> 8)}, Options{}); err != nil {
			t.Fatal(err)
		}
		b, err := get(r, ctx, Options{})
		if err != nil || len(b) != 2 || int(b[0])|int(b[1])<<8 != i {
			t.Fatalf("item %d: %v %v", i, b, err)
		}
	}
	if _, err := get(r, ctx, Options{NoWait: true}); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty ring: %v", err)
	}
}

func TestMaxItemsAndTimeouts(t *testing.T) {
	r := newRing(t, MinSize, 3)
	ctx := context.Background()
	for i := range 3 {
		if err := r.Put(ctx, []byte{byte(i)}, Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if !r.Full() || r.Len() != 3 {
		t.Fatalf("Full %v Len %d", r.Full(), r.Len())
	}
	if err := r.Put(ctx, []byte{9}, Options{NoWait: true}); !errors.Is(err, ErrFull) {
		t.Fatalf("nowait put on a full ring: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := r.Put(short, []byte{9}, Options{})
	if !errors.Is(err, ErrFull) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("timed put on a full ring: %v", err)
	}
	if d := time.Since(start); d < 40*time.Millisecond || d > 5*time.Second {
		t.Fatalf("timed put took %v", d)
	}
	for range 3 {
		get(r, ctx, Options{})
	}
	short2, cancel2 := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel2()
	if _, err := get(r, short2, Options{}); !errors.Is(err, ErrEmpty) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("timed get on an empty ring: %v", err)
	}
}

func TestLargeItemsCrossTheRingInChunks(t *testing.T) {
	r := newRing(t, MinSize, 0)
	ctx := context.Background()
	big := make([]byte, 5*MinSize+123)
	for i := range big {
		big[i] = byte(i * 7)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 3 {
			if err := r.Put(ctx, big, Options{}); err != nil {
				t.Error(err)
			}
		}
	})
	for range 3 {
		b, err := get(r, ctx, Options{})
		if err != nil || !bytes.Equal(b, big) {
			t.Fatalf("large item: %d bytes, %v", len(b), err)
		}
	}
	wg.Wait()
}

func TestManyProducersAndConsumers(t *testing.T) {
	r := newRing(t, MinSize, 0)
	ctx := context.Background()
	const producers, per = 4, 20000
	seen := make([]int, producers*per)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			var b [8]byte
			for i := range per {
				binary.LittleEndian.PutUint64(b[:], uint64(p*per+i))
				if err := r.Put(ctx, b[:], Options{}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var cg sync.WaitGroup
	for range 4 {
		cg.Go(func() {
			for {
				err := r.Get(ctx, Options{}, func(p []byte, _ uint16) error {
					mu.Lock()
					seen[binary.LittleEndian.Uint64(p)]++
					mu.Unlock()
					return nil
				})
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	r.Close()
	cg.Wait()
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("item %d seen %d times", i, n)
		}
	}
}

func TestCloseDrainsThenFails(t *testing.T) {
	r := newRing(t, MinSize, 0)
	ctx := context.Background()
	r.Put(ctx, []byte("a"), Options{})
	r.Close()
	if err := r.Put(ctx, []byte("b"), Options{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("put after close: %v", err)
	}
	if b, err := get(r, ctx, Options{}); err != nil || string(b) != "a" {
		t.Fatalf("drain: %q %v", b, err)
	}
	if _, err := get(r, ctx, Options{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("get after drain: %v", err)
	}
}

func TestCloseWakesWaiters(t *testing.T) {
	r := newRing(t, MinSize, 0)
	done := make(chan error, 1)
	go func() { _, err := get(r, context.Background(), Options{}); done <- err }()
	r.Close() // whether the Get is asleep yet or not, it must end
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake a waiting Get")
	}
}

func TestTaskDoneAndJoin(t *testing.T) {
	r, err := NewJoinable(MinSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 3 {
		r.Put(ctx, []byte("x"), Options{})
	}
	done := make(chan error, 1)
	go func() { done <- r.Join(ctx) }()
	for range 3 {
		get(r, ctx, Options{})
		if err := r.TaskDone(); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Join did not return")
	}
	if err := r.TaskDone(); !errors.Is(err, ErrTaskDone) {
		t.Fatalf("extra TaskDone: %v", err)
	}
}

func TestAttachChecks(t *testing.T) {
	r := newRing(t, MinSize, 0)
	other := newRing(t, 2*MinSize, 0)
	ctl, _ := r.Segments()
	_, data := other.Segments()
	if _, err := Attach(ctl, data); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("mismatched segments: %v", err)
	}
	if _, err := New(3*MinSize, 0); err == nil {
		t.Fatal("a size that is not a power of two")
	}
}

func TestFlagsTravelWithItems(t *testing.T) {
	r := newRing(t, MinSize, 0)
	ctx := context.Background()
	big := make([]byte, 3*MinSize)
	r.Put(ctx, []byte("small"), Options{Flags: 7})
	go r.Put(ctx, big, Options{Flags: 9})
	for _, want := range []uint16{7, 9} {
		var got uint16
		if err := r.Get(ctx, Options{}, func(_ []byte, f uint16) error { got = f; return nil }); err != nil || got != want {
			t.Fatalf("flags %d, %v; want %d", got, err, want)
		}
	}
}
