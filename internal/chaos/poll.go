package chaos

import (
	"context"
	"fmt"
	"time"
)

// pollEvery is how often poll looks again: the events it waits for (a
// process ending, a worker taking a task) take milliseconds.
const pollEvery = time.Millisecond

// poll waits until cond holds, or fails with what when ctx ends first. It
// is for what the OS or another process does, which sends no wake-up.
func poll(ctx context.Context, what string, cond func() bool) error {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting until %s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// pollFor is poll bounded by d as well as ctx.
func pollFor(ctx context.Context, d time.Duration, what string, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return poll(ctx, what, cond)
}
