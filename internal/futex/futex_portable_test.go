//go:build !linux || mproc_portable

package futex

import (
	"sync/atomic"
	"testing"
	"time"
)

// A store from another process comes with no Wake in this one: the waiter
// must see the word change by itself (the portable poll; a futex wakes on
// the compare, and needs a Wake).
func TestWaitSeesChangeWithoutWake(t *testing.T) {
	var w uint32
	done := make(chan bool)
	go func() {
		for atomic.LoadUint32(&w) == 0 {
			Wait(&w, 0, 0)
		}
		done <- true
	}()
	atomic.StoreUint32(&w, 1)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("waiter never saw the change")
	}
}
