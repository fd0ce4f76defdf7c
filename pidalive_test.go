package mproc

import (
	"os"
	"sync/atomic"
	"testing"

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
	for i := range 200_000 {
		if !pidAlive(os.Getpid()) {
			t.Fatalf("round %d: this live process looked dead", i)
		}
	}
	if pidAlive(1 << 22) { // above pid_max: no such process
		t.Fatal("a pid that cannot exist looked alive")
	}
}
