//go:build unix

package spawn

import (
	"fmt"
	"io"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"mproc/internal/wire"
)

// FDReader reads a Unix socket with recvmsg, keeping the descriptors that
// arrive with the bytes (SCM_RIGHTS) for TakeFDs. Received descriptors are
// close-on-exec.
type FDReader struct {
	rc  syscall.RawConn
	oob []byte

	mu  sync.Mutex
	fds []int
}

// maxFDsPerMessage is the kernel's limit on descriptors in one message (SCM_MAX_FD).
const maxFDsPerMessage = 253

// NewFDReader reads from f, a socket made with SetNonblock so that reads
// park in the netpoller (an *os.File or a *net.UnixConn); the read
// deadlines set on f apply.
func NewFDReader(f syscall.Conn) (*FDReader, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	return &FDReader{rc: rc, oob: make([]byte, unix.CmsgSpace(4*maxFDsPerMessage))}, nil
}

// Read implements io.Reader.
func (r *FDReader) Read(p []byte) (int, error) {
	var n, oobn int
	var err error
	rerr := r.rc.Read(func(fd uintptr) bool {
		n, oobn, err = Recvmsg(int(fd), p, r.oob, 0)
		return err != unix.EAGAIN
	})
	if rerr != nil {
		return 0, rerr
	}
	if err != nil {
		return 0, err
	}
	if oobn > 0 {
		r.keep(r.oob[:oobn])
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (r *FDReader) keep(oob []byte) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		// A peer that sends descriptors no frame announces would
		// otherwise fill this process's table: past the cap they are
		// closed on arrival, and the frame that wanted them fails
		// with ErrMissingFDs.
		keep := min(len(fds), max(MaxHeldFDs-len(r.fds), 0))
		r.fds = append(r.fds, fds[:keep]...)
		for _, fd := range fds[keep:] {
			unix.Close(fd)
		}
	}
}

// MaxHeldFDs bounds the descriptors an FDReader holds received but not
// yet taken.
const MaxHeldFDs = 4 * maxFDsPerMessage

// ErrMissingFDs means a frame announced descriptors that did not arrive.
var ErrMissingFDs = fmt.Errorf("%w: descriptors announced but not received", wire.ErrCorrupt)

// TakeFDs returns the next n received descriptors, which the caller now owns.
func (r *FDReader) TakeFDs(n int) ([]int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n > len(r.fds) {
		return nil, fmt.Errorf("%w: want %d, have %d", ErrMissingFDs, n, len(r.fds))
	}
	out := append([]int(nil), r.fds[:n]...)
	r.fds = r.fds[n:]
	return out, nil
}

// CloseFDs closes descriptors received but never taken.
func (r *FDReader) CloseFDs() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, fd := range r.fds {
		unix.Close(fd)
	}
	r.fds = nil
}

// WriteFrameFDs writes one frame and passes fds with its first byte; f is
// an *os.File or a *net.UnixConn socket.
func WriteFrameFDs(f interface {
	io.Writer
	syscall.Conn
}, k byte, payload []byte, fds []int) error {
	if len(fds) == 0 {
		return wire.WriteFrame(f, k, payload)
	}
	if len(fds) > maxFDsPerMessage {
		return fmt.Errorf("mproc: %d descriptors in one message, at most %d", len(fds), maxFDsPerMessage)
	}
	buf := make([]byte, wire.HeaderSize+len(payload))
	wire.PutHeader(buf, k, len(payload))
	copy(buf[wire.HeaderSize:], payload)
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var n int
	var serr error
	werr := rc.Write(func(fd uintptr) bool {
		n, serr = unix.SendmsgN(int(fd), buf, unix.UnixRights(fds...), nil, 0)
		return serr != unix.EAGAIN
	})
	if werr != nil {
		return werr
	}
	if serr != nil {
		return serr
	}
	if n == len(buf) {
		// No second write, not even of nothing: a peer that has read the
		// frame and hung up would make it fail with EPIPE, and the frame
		// it received whole reported lost.
		return nil
	}
	_, err = f.Write(buf[n:]) // the rest, after a short first write
	return err
}
