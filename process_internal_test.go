package mproc

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A child that refused its work may linger up to lingerAfterRefusal before
// it is killed; meanwhile Pid and String must answer at once, not wait
// behind Start. The child here is a fresh one that never gets its work, so
// it lingers for the whole bound.
func TestFailedStartDoesNotBlockPid(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p := newProcess("test.linger", newProcConfig(nil), nil)
	p.state = stateStarting
	c, _, err := p.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	refused := errors.New("refused")
	failed := make(chan error, 1)
	go func() { failed <- p.failStart(c, refused) }()

	// Ask every few milliseconds for as long as failStart runs; the ticker
	// only paces the sampling.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var slowest time.Duration
	for asked := 0; ; asked++ {
		select {
		case err := <-failed:
			if err != refused {
				t.Fatalf("failStart: %v", err)
			}
			if asked < 2 || slowest > lingerAfterRefusal/4 {
				t.Fatalf("Pid and String blocked behind a failed Start: slowest %v over %d calls", slowest, asked)
			}
			if code, ok := p.ExitCode(); !ok || code != -9 {
				t.Fatalf("the lingering child: exit code %d, %v; want -9 (killed)", code, ok)
			}
			return
		case <-tick.C:
		}
		t0 := time.Now()
		_, _ = p.String(), p.Pid()
		slowest = max(slowest, time.Since(t0))
	}
}
