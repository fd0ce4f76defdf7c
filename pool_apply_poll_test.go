//go:build unix

package mproc_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"mproc"
)

// An Apply takes its own result off the pool's queue, and the reader
// goroutine waits off the queue meanwhile. Whatever comes next must still
// be read: a task submitted without Apply, a killed worker's end (its
// replacement then serves), a long task that outlasts Apply's polling, and
// the pool's end. Not parallel: ptArea compares /dev/shm before and after.
func TestPoolApplyHandsResultsBack(t *testing.T) {
	ptArea(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	// park runs Apply calls until the reader waits off the queue, as a run
	// of them leaves it.
	park := func() {
		t.Helper()
		for i := 0; !mproc.ReaderParked(p); i++ {
			if v, err := ptSquare.Apply(ctx, p, i); err != nil || v != i*i {
				t.Fatalf("Apply(%d) = %d, %v", i, v, err)
			}
			if ctx.Err() != nil {
				t.Fatal("the reader never parked")
			}
		}
	}
	park()
	// Submitted by another goroutine, not polled for by its caller.
	done := make(chan error, 1)
	go func() {
		v, err := ptSquare.Submit(ctx, p, 7).Get(ctx)
		if err == nil && v != 49 {
			err = fmt.Errorf("Submit(7) got %d", v)
		}
		done <- err
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	park()
	// A task longer than Apply polls: the reader takes its result.
	if pid, err := ptSleep.Apply(ctx, p, 20*time.Millisecond); err != nil || pid == 0 {
		t.Fatalf("Apply(sleep) = %d, %v", pid, err)
	}
	// The worker killed after an Apply: its end marker is read and the
	// pool replaces it.
	old := ptWorkers(t, ctx, p, 1)[0]
	park()
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	ptPoll(t, ctx, "the killed worker is replaced", func() bool {
		ws := p.Workers()
		return len(ws) == 1 && ws[0].Pid != 0 && ws[0].Pid != old
	})
	if v, err := ptSquare.Apply(ctx, p, 9); err != nil || v != 81 {
		t.Fatalf("Apply(9) after the kill = %d, %v", v, err)
	}
	// Close and Join after an Apply: the pool ends (ptEnd checks it, and
	// that the workers are gone).
	park()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Join(ctx); err != nil {
		t.Fatalf("Join after Apply: %v", err)
	}
}
