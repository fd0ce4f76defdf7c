//go:build linux && !mproc_portable

package mproc

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// setPdeathsig asks the kernel to kill this process when its parent dies.
// The kernel checks the parent-death signal of every thread of a child,
// so setting it on whichever thread runs this is enough. The control
// socket's EOF (see session.listen) is the second guard.
func setPdeathsig() {
	unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0, 0, 0)
}

// hungUp reports whether the peer of socket fd has closed it: POLLRDHUP
// says so even while unread messages wait.
func hungUp(fd int) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLRDHUP}}
	for {
		_, err := unix.Poll(fds, 0)
		if err == unix.EINTR {
			continue
		}
		return err == nil && fds[0].Revents&(unix.POLLHUP|unix.POLLRDHUP) != 0
	}
}
