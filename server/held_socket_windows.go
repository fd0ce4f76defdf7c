package server

import (
	"net"
	"syscall"

	"mproc/internal/platform"
)

// errNoPassing: the process models pass sockets to children as Unix
// descriptors.
var errNoPassing = platform.Unsupported("connections served by child processes (the Process, ProcessPool and Prefork models)")

// heldSocket never holds anything here: holdSocket refuses.
type heldSocket struct{}

func holdSocket(c net.Conn) (*heldSocket, error) {
	c.Close()
	return nil, errNoPassing
}

func (*heldSocket) withFD(func(fd int) error) error { return net.ErrClosed }

func (*heldSocket) Close() error { return net.ErrClosed }

// shutdownFD ends both directions of the socket fd for every holder.
func shutdownFD(fd int) error { return syscall.Shutdown(syscall.Handle(fd), syscall.SHUT_RDWR) }
