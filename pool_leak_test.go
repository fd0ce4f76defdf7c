package mproc_test

import (
	"runtime"
	"testing"
	"time"

	"mproc"
)

// A pool that has ended leaves no goroutine behind. Its results reader used
// to sleep on the results queue's memory after that memory was unmapped,
// and then on whatever the next queue mapped there: one goroutine lost per
// pool, and a reader on a stranger's ring.
func TestPoolLeavesNoGoroutine(t *testing.T) {
	// Not parallel: it counts this process's goroutines.
	ctx := ctxTimeout(t, 60*time.Second)
	cycle := func() {
		p, err := mproc.NewPool(ctx, mproc.WithWorkers(1))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if err := p.Join(ctx); err != nil {
			t.Fatal(err)
		}
	}
	cycle() // starts what lives on: the tracker's reader, the signal loop
	before := runtime.NumGoroutine()
	for range 5 {
		cycle()
	}
	// Goroutines of the last pool end just after Join: poll, bounded.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines before 5 pools, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
