//go:build unix

package server

import (
	"context"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// ListenReusePort listens on address with SO_REUSEPORT set, so that other
// sockets of this user may bind the same address and share its
// connections: the listener WithReusePort's Prefork workers join.
func ListenReusePort(ctx context.Context, network, address string) (net.Listener, error) {
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		if cerr := rc.Control(func(fd uintptr) {
			err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}); cerr != nil {
			return cerr
		}
		return err
	}}
	return lc.Listen(ctx, network, address)
}

// hasReusePort says whether ln's socket has SO_REUSEPORT set.
func hasReusePort(ln net.Listener) bool {
	on := false
	withFD(ln, func(fd int) error {
		v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT)
		on = err == nil && v != 0
		return err
	})
	return on
}
