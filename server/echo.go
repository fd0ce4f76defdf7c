package server

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
)

// Echo sends back what it reads with ASCII letters upper-cased, byte for
// byte (Python's bytes.upper, as the seeds' conn.send(msg.upper())), until
// the client closes its side.
var Echo = Register("echo", echo)

// The buffer starts at the seeds' recv(1024) and doubles, up to
// maxEchoBuffer, while reads fill it: a connection per request allocated 32
// KiB each (a fifth of the connections a second, against the bare server).
const (
	minEchoBuffer = 1 << 10
	maxEchoBuffer = 32 << 10
)

func echo(_ context.Context, c net.Conn) error {
	buf := make([]byte, minEchoBuffer)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			upper(buf[:n])
			if _, werr := c.Write(buf[:n]); werr != nil {
				return gone(werr)
			}
			if n == len(buf) && len(buf) < maxEchoBuffer {
				buf = make([]byte, 2*len(buf))
			}
		}
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return gone(err)
		}
	}
}

// gone makes a client that went away without closing its side (a reset, a
// broken pipe) an ordinary end, as EOF is: it is not the handler's failure,
// and a process-per-connection child should not report it as one.
func gone(err error) error {
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return nil
	}
	return err
}

// upper upper-cases ASCII letters in place; other bytes stay as they are,
// so a multi-byte character split across reads is never touched.
func upper(b []byte) {
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
}
