package bench

import (
	"context"
	"fmt"
	"time"

	"mproc"
)

func init() {
	Register(Group{
		Name:    "lock",
		Metrics: []Metric{{Name: "lock_uncontended_acquire_release", Unit: "ns/op", Python: "lock_uncontended_acquire_release"}},
		Run:     runLock,
	})
}

// runLock mirrors python_ref.py's lock_uncontended: acquire and release one
// cross-process Lock n_(1_000_000) times in the bench process, with no other
// process around.
func runLock(ctx context.Context, scale float64) ([]Result, error) {
	n := N(1_000_000, scale)
	l, err := mproc.NewLock()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	start := time.Now()
	for range n {
		l.Lock()
		//lint:ignore SA2001 the workload is the acquire and release themselves
		l.Unlock()
	}
	dt := time.Since(start)
	if !l.TryLock() {
		return nil, fmt.Errorf("lock still held after %d acquire/release pairs", n)
	}
	l.Unlock()
	return []Result{{
		Name:  "lock_uncontended_acquire_release",
		Unit:  "ns/op",
		Value: float64(dt.Nanoseconds()) / float64(n),
		N:     n,
	}}, nil
}
