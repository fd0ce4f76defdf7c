//go:build unix

package server

import (
	"net"
	"sync"

	"golang.org/x/sys/unix"
)

// heldSocket is the server process's copy of a connection a child serves
// (the Process and ProcessPool models): a bare descriptor, outside the
// netpoller. Kept in the netpoller, it would wake the server's process
// for every segment the child's client sends or acknowledges, since epoll
// watches the socket and not the descriptor: measured, that cost the
// server's process a tenth of the machine at 50 busy clients.
type heldSocket struct {
	mu sync.Mutex
	fd int // -1 once closed
}

// holdSocket takes c out of the netpoller: it keeps a duplicate of c's
// descriptor and closes c. A connection with no descriptor (not from the
// net package) can't be passed to a child: the error says so.
func holdSocket(c net.Conn) (*heldSocket, error) {
	fd := -1
	err := withFD(c, func(cfd int) error {
		var derr error
		fd, derr = unix.FcntlInt(uintptr(cfd), unix.F_DUPFD_CLOEXEC, 0)
		return derr
	})
	c.Close()
	if err != nil {
		return nil, err
	}
	return &heldSocket{fd: fd}, nil
}

// withFD runs fn with the descriptor, which stays open until fn returns;
// on a closed socket it returns net.ErrClosed.
func (h *heldSocket) withFD(fn func(fd int) error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fd < 0 {
		return net.ErrClosed
	}
	return fn(h.fd)
}

func (h *heldSocket) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fd < 0 {
		return net.ErrClosed
	}
	err := unix.Close(h.fd)
	h.fd = -1
	return err
}

// shutdownFD ends both directions of the socket fd for every process that
// holds it.
func shutdownFD(fd int) error { return unix.Shutdown(fd, unix.SHUT_RDWR) }
