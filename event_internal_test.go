package mproc

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// A Set wakes the waiters that were asleep, even when a Clear follows at
// once (threading.Event's semantics).
func TestEventSetThenClearWakesSleepers(t *testing.T) {
	e, err := NewEvent()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.Wait(ctx) }()
	_, sleepers := e.words()
	for atomic.LoadUint32(sleepers) == 0 { // until the waiter sleeps in the kernel
		if ctx.Err() != nil {
			t.Fatal("the waiter never went to sleep")
		}
		time.Sleep(time.Millisecond)
	}
	e.Set()
	e.Clear()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Wait = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a Set followed by a Clear did not wake the sleeping waiter")
	}
	if e.IsSet() {
		t.Fatal("still set after Clear")
	}
}
