//go:build unix

package lockword

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Signals arriving during the liveness check (Go's own SIGURG, SIGCHLD)
// must never make a live process look dead.
func TestPidAliveUnderSignals(t *testing.T) {
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			unix.Kill(os.Getpid(), unix.SIGURG)
		}
	}()
	defer func() { stop.Store(true); <-done }()
	// 200k rounds of the pidfd's poll; the portable check reads /proc
	// each time and gets as far as it can in two seconds.
	end := time.Now().Add(2 * time.Second)
	for i := 0; i < 200_000 && time.Now().Before(end); i++ {
		if !PidAlive(os.Getpid()) {
			t.Fatalf("round %d: this live process looked dead", i)
		}
	}
	if PidAlive(1 << 22) { // above pid_max: no such process
		t.Fatal("a pid that cannot exist looked alive")
	}
}

func TestLockExcludesGoroutines(t *testing.T) {
	var w uint32
	n := 0
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 10000 {
				Lock(context.Background(), &w)
				n++
				Unlock(&w)
			}
		})
	}
	wg.Wait()
	if n != 40000 || w != 0 {
		t.Fatalf("n = %d, word %#x", n, w)
	}
	if Unlock(&w) {
		t.Fatal("Unlock of a free word reported it locked")
	}
}

// A word held by a pid that does not exist passes on with ErrOwnerDead.
func TestLockTakesFromTheDead(t *testing.T) {
	w := uint32(1<<22 - 1) // pid_max: never a live process here
	start := time.Now()
	err := Lock(context.Background(), &w)
	if !errors.Is(err, ErrOwnerDead) || w&PidMask != Self {
		t.Fatalf("Lock = %v, word %#x", err, w)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
	w = 1<<22 - 1
	if ok, died := TryLock(&w); !ok || !died {
		t.Fatalf("TryLock = %v, %v", ok, died)
	}
}

func TestLockHonoursContext(t *testing.T) {
	w := Self // held by this (live) process
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := Lock(ctx, &w); !errors.Is(err, context.DeadlineExceeded) || w&PidMask != Self {
		t.Fatalf("Lock = %v, word %#x", err, w)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel2() }()
	if err := Lock(ctx2, &w); !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock = %v", err)
	}
}
