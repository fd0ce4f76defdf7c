//go:build unix && (!linux || mproc_portable)

package mproc

import (
	"golang.org/x/sys/unix"
)

// setPdeathsig does nothing: there is no parent-death signal here. A
// daemon dies instead when its control socket, whose other end only the
// parent holds, reads EOF (see session.listen).
func setPdeathsig() {}

// hungUp reports whether the peer of socket fd has closed it: POLLHUP,
// which Unix sockets raise once the peer has closed both directions.
func hungUp(fd int) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		_, err := unix.Poll(fds, 0)
		if err == unix.EINTR {
			continue
		}
		return err == nil && fds[0].Revents&unix.POLLHUP != 0
	}
}
