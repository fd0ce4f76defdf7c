//go:build unix

package server

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// quietConn is the TCP connection a child process serves: a *net.TCPConn
// whose Read and Write make their system calls raw, without telling the
// Go scheduler. A child serving one connection is idle between requests,
// and an idle Go program's monitor thread (sysmon) sleeps; every ordinary
// system call wakes it again, and it soon sleeps again: two context
// switches per call, which cost a child about as much CPU as the echo
// itself (perf, 50 clients). A read or write on a nonblocking socket
// never blocks, so nothing needs the monitor for it. Waiting for the
// socket still goes through the netpoller (syscall.RawConn), so deadlines,
// Close and the handler's other goroutines work as on any net.Conn; every
// other method is the *net.TCPConn's.
type quietConn struct {
	*net.TCPConn
	rc syscall.RawConn
}

// quiet wraps c if it is a TCP connection; any other connection is served
// as it is.
func quiet(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	return &quietConn{TCPConn: tc, rc: rc}
}

func (c *quietConn) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	var n int
	var errno syscall.Errno
	err := c.rc.Read(func(fd uintptr) bool {
		for {
			r, _, e := unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
			switch e {
			case unix.EINTR:
				continue
			case unix.EAGAIN:
				return false
			}
			n, errno = int(r), e
			return true
		}
	})
	switch {
	case err != nil:
		return 0, c.opError("read", unwrapRaw(err))
	case errno != 0:
		return 0, c.opError("read", os.NewSyscallError("read", errno))
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// Write writes all of b, as net.Conn's Write does, or fails.
func (c *quietConn) Write(b []byte) (int, error) {
	var n int
	var errno syscall.Errno
	err := c.rc.Write(func(fd uintptr) bool {
		for n < len(b) {
			// MSG_NOSIGNAL: a peer gone is EPIPE here, not a SIGPIPE.
			r, _, e := unix.RawSyscall6(unix.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&b[n])), uintptr(len(b)-n), unix.MSG_NOSIGNAL, 0, 0)
			switch e {
			case 0:
				n += int(r)
			case unix.EINTR:
			case unix.EAGAIN:
				return false
			default:
				errno = e
				return true
			}
		}
		return true
	})
	switch {
	case err != nil:
		return n, c.opError("write", unwrapRaw(err))
	case errno != 0:
		return n, c.opError("write", os.NewSyscallError("write", errno))
	}
	return n, nil
}

// opError is the error net's own Read and Write would return.
func (c *quietConn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

// unwrapRaw takes the cause (a deadline passed, the connection closed)
// out of the raw-read or raw-write OpError that net's RawConn wraps it in.
func unwrapRaw(err error) error {
	if oe, ok := err.(*net.OpError); ok {
		return oe.Err
	}
	return err
}
