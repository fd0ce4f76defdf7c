//go:build linux && !mproc_portable

package lockword

import "golang.org/x/sys/unix"

// PidAlive reports whether pid is running (a zombie is not): a pidfd polls
// readable once the process has ended, reaped or not. Only a definite
// answer counts as death: a lock taken from a live holder is far worse than
// one handed over a little late, so any other failure means alive.
func PidAlive(pid int) bool {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return err != unix.ESRCH
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 0)
		switch {
		case err == unix.EINTR:
			continue // a signal (Go's preemption, SIGCHLD) arrived meanwhile
		case err != nil:
			return true
		}
		return n == 0
	}
}
