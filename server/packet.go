package server

import (
	"fmt"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// packetConn is one end of a broker connection: a SOCK_SEQPACKET Unix
// socket, which carries frames, the handshake's messages and descriptors.
// Write may be called from several goroutines (each packet goes whole);
// reads come from one.
type packetConn struct {
	c   *net.UnixConn
	buf []byte // the reader's
	oob []byte // the reader's, for descriptors
}

func newPacketConn(c *net.UnixConn) *packetConn {
	return &packetConn{c: c, buf: make([]byte, maxFrame+1), oob: make([]byte, syscall.CmsgSpace(4*4))}
}

// WriteMessage and ReadMessage make a packetConn an auth.Conn.
func (p *packetConn) WriteMessage(b []byte) error {
	_, err := p.c.Write(b)
	return err
}

func (p *packetConn) ReadMessage(max int) ([]byte, error) {
	n, err := p.c.Read(p.buf[:min(max+1, len(p.buf))])
	switch {
	case err != nil:
		return nil, err
	case n == 0:
		return nil, fmt.Errorf("%w: the peer closed the connection", errFrame)
	case n > max:
		return nil, fmt.Errorf("%w: a message longer than %d bytes", errFrame, max)
	}
	return append([]byte(nil), p.buf[:n]...), nil
}

func (p *packetConn) send(f frame) error {
	_, err := p.c.Write(f.encode())
	return err
}

// sendFD sends f with a descriptor beside it (SCM_RIGHTS): the receiver
// gets its own copy of the open socket.
func (p *packetConn) sendFD(f frame, fd int) error {
	_, _, err := p.c.WriteMsgUnix(f.encode(), syscall.UnixRights(fd), nil)
	return err
}

// read reads the next frame; its data is valid until the next read. A
// descriptor sent beside it is dropped: the kernel closes what no control
// buffer took.
func (p *packetConn) read() (frame, error) {
	n, err := p.c.Read(p.buf)
	if err != nil {
		return frame{}, err
	}
	if n == 0 { // a zero-length packet: no frame has one, so it is the peer's end
		return frame{}, net.ErrClosed
	}
	return decodeFrame(p.buf[:n])
}

// readFD reads a frame that carries a descriptor, and returns it as a file
// (nil if none came with the frame). Extra descriptors are closed.
func (p *packetConn) readFD() (frame, *os.File, error) {
	oob := p.oob
	n, oobn, flags, _, err := p.c.ReadMsgUnix(p.buf, oob)
	if err != nil {
		return frame{}, nil, err
	}
	fds, ferr := parseRights(oob[:oobn])
	var file *os.File
	for i, fd := range fds {
		if i == 0 {
			file = os.NewFile(uintptr(fd), "socket")
		} else {
			unix.Close(fd)
		}
	}
	if ferr == nil && flags&unix.MSG_CTRUNC != 0 {
		ferr = fmt.Errorf("%w: descriptors cut off", errFrame)
	}
	if ferr == nil && n == 0 {
		ferr = net.ErrClosed
	}
	var f frame
	if ferr == nil {
		f, ferr = decodeFrame(p.buf[:n])
	}
	if ferr != nil {
		if file != nil {
			file.Close()
		}
		return frame{}, nil, ferr
	}
	return f, file, nil
}

func parseRights(oob []byte) ([]int, error) {
	if len(oob) == 0 {
		return nil, nil
	}
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errFrame, err)
	}
	var fds []int
	for _, m := range msgs {
		got, err := syscall.ParseUnixRights(&m)
		if err == nil {
			fds = append(fds, got...)
		}
	}
	return fds, nil
}

// withFD runs fn with c's descriptor (a net.Conn or net.Listener whose
// type gives access to it, as the net package's all do).
func withFD(c any, fn func(fd int) error) error {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return fmt.Errorf("server: a %T has no descriptor to pass to another process", c)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}
