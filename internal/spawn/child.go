package spawn

import (
	"bufio"
	"os"
	"sync"
	"syscall"
	"time"

	"mproc/internal/wire"
)

// Frame is one message read from a child's control socket.
type Frame struct {
	Kind    byte
	Payload []byte
}

// Child is a started child process: its control socket, a reader that turns
// the socket into frames, and a waiter that reaps it, so that no child is left
// a zombie whether or not anyone joins it. The child is held by a handle
// (a pidfd on Linux, an *os.Process elsewhere) that never signals a recycled
// pid.
type Child struct {
	Pid  int
	proc procHandle
	conn *os.File
	wmu  sync.Mutex

	frames   chan Frame    // closed at EOF
	readDone chan struct{} // closed when the reader has stopped
	booted   chan struct{}
	fdr      *FDReader
	exited   chan struct{}
	code     int
	sig      syscall.Signal
}

// FrameLimit bounds frames read from a child.
const FrameLimit = wire.DefaultMaxFrame

func watch(pid int, proc procHandle, conn *os.File) *Child {
	c := &Child{
		Pid:      pid,
		proc:     proc,
		conn:     conn,
		frames:   make(chan Frame, 4),
		readDone: make(chan struct{}),
		booted:   make(chan struct{}),
		exited:   make(chan struct{}),
	}
	c.fdr, _ = NewFDReader(conn) // conn is a nonblocking socket: this cannot fail
	go c.read()
	go c.wait()
	return c
}

func (c *Child) read() {
	defer close(c.readDone)
	defer close(c.frames)
	r := bufio.NewReader(c.fdr)
	for {
		k, payload, err := wire.ReadFrame(r, FrameLimit)
		if err != nil {
			return
		}
		if k == kindBooted && !closedChan(c.booted) {
			close(c.booted)
			continue
		}
		c.frames <- Frame{k, payload}
	}
}

// lingerAfterExit bounds how long the reader may go on after the child was
// reaped: a grandchild that somehow holds the socket must not hang Join.
const lingerAfterExit = 2 * time.Second

// wait reaps the child.
func (c *Child) wait() {
	c.code, c.sig = c.proc.wait()
	disown(c.Pid)
	close(c.exited)
	c.stopReaderLater()
}

// stopReaderLater ends the reader lingerAfterExit after the child was
// reaped, if no EOF has ended it by then (a grandchild holds the socket),
// but never while bytes the child sent wait unread: on a loaded machine the
// reader may not have run since, and a deadline would drop its last frames
// (a result, say) unread.
func (c *Child) stopReaderLater() {
	time.AfterFunc(lingerAfterExit, func() {
		if closedChan(c.readDone) {
			return
		}
		if c.unread() > 0 {
			c.stopReaderLater()
			return
		}
		c.conn.SetReadDeadline(time.Now())
	})
}

// unread is how many bytes wait in the control socket.
func (c *Child) unread() int {
	rc, err := c.conn.SyscallConn()
	if err != nil {
		return 0
	}
	n := 0
	rc.Control(func(fd uintptr) { n = inq(int(fd)) })
	return n
}

// Frames delivers the child's frames in order; it is closed at EOF.
func (c *Child) Frames() <-chan Frame { return c.frames }

// Booted is closed once the child has reported that its Go runtime is
// running the program's initialization (see AfterRunnable).
func (c *Child) Booted() <-chan struct{} { return c.booted }

// Exited is closed once the child has been reaped.
func (c *Child) Exited() <-chan struct{} { return c.exited }

// ExitCode is CPython's exit code: the status, or -N for death by signal N.
// Valid after Exited is closed.
func (c *Child) ExitCode() (code int, sig syscall.Signal) { return c.code, c.sig }

// Send writes a frame to the child.
func (c *Child) Send(k byte, payload []byte) error { return c.SendFDs(k, payload, nil) }

// SendFDs writes a frame to the child with descriptors beside it.
func (c *Child) SendFDs(k byte, payload []byte, fds []int) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return WriteFrameFDs(c.conn, k, payload, fds)
}

// TakeFDs returns n descriptors the child sent, in order, for a frame
// that announced them.
func (c *Child) TakeFDs(n int) ([]int, error) { return c.fdr.TakeFDs(n) }

// Signal sends sig to the child; a child that already ended is not an error.
func (c *Child) Signal(sig syscall.Signal) error {
	select {
	case <-c.exited:
		return nil
	default:
	}
	return c.proc.signal(sig)
}

// Close releases the control socket and any descriptors received but not
// taken; the child is reaped regardless.
func (c *Child) Close() error {
	c.fdr.CloseFDs()
	return c.conn.Close()
}

func closedChan(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
