package ring

import (
	"context"
	"testing"
)

// BenchmarkSPSC moves 8-byte items from one goroutine to another.
func BenchmarkSPSC(b *testing.B) {
	r, err := New(1<<22, 0)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range b.N {
			r.Get(ctx, Options{}, func([]byte, uint16) error { return nil })
		}
	}()
	item := make([]byte, 8)
	b.ResetTimer()
	for range b.N {
		r.Put(ctx, item, Options{})
	}
	<-done
}

// BenchmarkSPSCGrowing is BenchmarkSPSC on a ring that grows, with puts
// that may: a queue's.
func BenchmarkSPSCGrowing(b *testing.B) {
	r, err := Make(Config{Size: 1 << 22, Spill: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range b.N {
			r.Get(ctx, Options{}, func([]byte, uint16) error { return nil })
		}
	}()
	item := make([]byte, 8)
	b.ResetTimer()
	for range b.N {
		r.Put(ctx, item, Options{Grow: true})
	}
	<-done
}
