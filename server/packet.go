package server

import (
	"fmt"
	"net"
	"syscall"
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
	return &packetConn{c: c, buf: make([]byte, maxFrame+1), oob: make([]byte, rightsSpace)}
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
