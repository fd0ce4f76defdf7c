package futex

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestWaitReturnsWhenValueDiffers(t *testing.T) {
	var w uint32 = 1
	if !Wait(&w, 0, time.Second) {
		t.Fatal("Wait on a differing value timed out")
	}
}

func TestWaitTimesOut(t *testing.T) {
	var w uint32
	start := time.Now()
	if Wait(&w, 0, 20*time.Millisecond) {
		t.Fatal("Wait returned true without a wake")
	}
	if d := time.Since(start); d < 15*time.Millisecond || d > 5*time.Second {
		t.Fatalf("timeout took %v", d)
	}
}

func TestWake(t *testing.T) {
	var w uint32
	done := make(chan bool)
	go func() {
		for atomic.LoadUint32(&w) == 0 {
			Wait(&w, 0, 10*time.Second)
		}
		done <- true
	}()
	atomic.StoreUint32(&w, 1)
	Wake(&w, 1)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("waiter not woken")
	}
}
