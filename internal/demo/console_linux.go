package demo

import (
	"context"
	"time"

	"golang.org/x/sys/unix"
)

// pidRunning reports whether pid is a running process (a zombie is not):
// a pidfd polls readable once the process has exited.
func pidRunning(pid int) bool {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, 0)
	return err == nil && n == 0
}

// waitPidExit waits until pid has exited (reaped or not), up to timeout. It
// reports false if pid is still running then. It works for any process, not
// only children: a pidfd polls readable when the process ends.
func waitPidExit(ctx context.Context, pid int, timeout time.Duration) bool {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return true // no such process: it is gone already
	}
	defer unix.Close(fd)
	deadline := time.Now().Add(timeout)
	for {
		ms := int(time.Until(deadline).Milliseconds())
		if ms <= 0 || ctx.Err() != nil {
			return false
		}
		// Poll in slices so that ctx is noticed.
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, min(ms, 100))
		if err == nil && n > 0 {
			return true
		}
		if err != nil && err != unix.EINTR {
			return false
		}
	}
}
