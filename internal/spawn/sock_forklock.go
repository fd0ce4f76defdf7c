//go:build unix && !freebsd && (!linux || mproc_portable)

package spawn

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// Socketpair makes a pair of connected Unix sockets of type typ, both
// close-on-exec. macOS has no SOCK_CLOEXEC: the flag is set after, under
// syscall.ForkLock so that no child starts in between and inherits them
// (it would hold the other end open, and EOF would never come).
func Socketpair(typ int) ([2]int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fds, err := unix.Socketpair(unix.AF_UNIX, typ, 0)
	if err != nil {
		return fds, fmt.Errorf("mproc: socketpair: %w", err)
	}
	unix.CloseOnExec(fds[0])
	unix.CloseOnExec(fds[1])
	return fds, nil
}

// Recvmsg is unix.Recvmsg with received descriptors made close-on-exec
// under syscall.ForkLock, for systems without MSG_CMSG_CLOEXEC. fd must be
// nonblocking: the lock is held for the call.
func Recvmsg(fd int, p, oob []byte, flags int) (n, oobn int, err error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	n, oobn, _, _, err = unix.Recvmsg(fd, p, oob, flags)
	if err == nil && oobn > 0 {
		for _, fd := range rights(oob[:oobn]) {
			unix.CloseOnExec(fd)
		}
	}
	return n, oobn, err
}

// rights lists the descriptors in a control message.
func rights(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for _, m := range msgs {
		if f, err := unix.ParseUnixRights(&m); err == nil {
			fds = append(fds, f...)
		}
	}
	return fds
}
