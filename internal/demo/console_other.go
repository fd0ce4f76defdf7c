//go:build !linux

package demo

import (
	"context"
	"time"

	"mproc/internal/lockword"
)

// pidRunning reports whether pid is a running process (a zombie is not).
func pidRunning(pid int) bool { return lockword.PidAlive(pid) }

// waitPidExit waits until pid has exited (reaped or not), up to timeout,
// polling: there are no pidfds here. It reports false if pid is still
// running then.
func waitPidExit(ctx context.Context, pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for lockword.PidAlive(pid) {
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
	return true
}
