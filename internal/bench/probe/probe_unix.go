//go:build unix

package probe

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"mproc/internal/shm"
	"mproc/internal/spawn"
)

// New makes the shared memory: a descriptor to pass as the child's fd 3
// (one of mproc's segments: a memfd, or an unlinked file with the
// mproc_portable tag and off Linux), and its mapping.
func New() (*os.File, []byte, error) {
	s, err := shm.New(Size)
	if err != nil {
		return nil, nil, err
	}
	fd, err := unix.FcntlInt(uintptr(s.FD()), unix.F_DUPFD_CLOEXEC, 0)
	s.Release()
	if err != nil {
		return nil, nil, fmt.Errorf("dup: %w", err)
	}
	f := os.NewFile(uintptr(fd), "mproc-limit-probe")
	mem, err := Map(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, mem, nil
}

// Map maps the shared memory in f.
func Map(f *os.File) ([]byte, error) {
	mem, err := unix.Mmap(int(f.Fd()), 0, Size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap: %w", err)
	}
	return mem, nil
}

// Unmap releases a mapping from New or Map.
func Unmap(mem []byte) { _ = unix.Munmap(mem) }

// Socketpair returns a connected pair of stream sockets: the parent's end
// as a descriptor, the child's as a file to pass as its fd 3.
func Socketpair() (int, *os.File, error) {
	fds, err := spawn.Socketpair(unix.SOCK_STREAM)
	if err != nil {
		return -1, nil, err
	}
	return fds[0], os.NewFile(uintptr(fds[1]), "limit-probe-socket"), nil
}

// PingSocket makes n round trips of 8 bytes over the socket fd and
// returns their time.
func PingSocket(fd, n int) (time.Duration, error) {
	var b [8]byte
	start := time.Now()
	for i := range n {
		b[0] = byte(i)
		if err := writeFull(fd, b[:]); err != nil {
			return 0, err
		}
		if err := readFull(fd, b[:]); err != nil {
			return 0, err
		}
		if b[0] != byte(i) {
			return 0, fmt.Errorf("probe: round trip %d came back as %d", i, b[0])
		}
	}
	return time.Since(start), nil
}

// Echo sends back every 8 bytes read on the socket f until the peer
// closes it.
func Echo(f *os.File) error {
	fd := int(f.Fd())
	var b [8]byte
	for {
		err := readFull(fd, b[:])
		if errors.Is(err, errEOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := writeFull(fd, b[:]); err != nil {
			return err
		}
	}
}

var errEOF = errors.New("probe: end of stream")

// readFull and writeFull use the raw system calls: the probe measures the
// kernel's round trip, not Go's poller.
func readFull(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Read(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		if n == 0 {
			return errEOF
		}
		b = b[n:]
	}
	return nil
}

func writeFull(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		b = b[n:]
	}
	return nil
}

// CloseFD closes a descriptor from Socketpair.
func CloseFD(fd int) { _ = unix.Close(fd) }
