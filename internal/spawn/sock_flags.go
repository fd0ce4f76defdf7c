//go:build freebsd || (linux && !mproc_portable)

package spawn

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Socketpair makes a pair of connected Unix sockets of type typ, both
// close-on-exec from the start.
func Socketpair(typ int) ([2]int, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fds, fmt.Errorf("mproc: socketpair: %w", err)
	}
	return fds, nil
}

// Recvmsg is unix.Recvmsg with received descriptors close-on-exec from
// the start.
func Recvmsg(fd int, p, oob []byte, flags int) (n, oobn int, err error) {
	n, oobn, _, _, err = unix.Recvmsg(fd, p, oob, flags|unix.MSG_CMSG_CLOEXEC)
	return n, oobn, err
}
