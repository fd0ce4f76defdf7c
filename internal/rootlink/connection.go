// Package rootlink holds the hooks through which packages above the root
// reach the root's unexported internals: the root sets each variable in an
// init, so the root gains no exported name and imports none of its users.
package rootlink

import (
	"io"
	"syscall"
	"time"
)

// Stream is what a connection end made by mproc/connection reads and
// writes: a net.Conn (TCP, Unix, TLS ...) or an *os.File socket. The root
// can't name net.Conn (it must not import net), and needs no more of it.
type Stream interface {
	io.Reader
	io.Writer
	io.Closer
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
}

// Framing cuts a stream into messages (CPython's: internal/pyconn).
type Framing interface {
	WriteMessage(w io.Writer, p []byte) error
	// ReadMessage reads one whole message of at most max bytes.
	ReadMessage(r io.Reader, max int) ([]byte, error)
}

// Codec encodes the values of Send and Recv (CPython's pickle of plain
// data: internal/pyconn).
type Codec interface {
	Marshal(v any) ([]byte, error)
	Unmarshal(b []byte, v any) error
}

// ConnConfig is how NewConn builds an end.
type ConnConfig struct {
	// Unix: the stream is a Unix socket (a syscall.Conn) that carries
	// descriptors, hence shared objects, beside messages.
	Unix bool
	// Under is the socket beneath a layered stream that has no descriptor
	// of its own (a TLS connection's), for Poll; nil for none.
	Under syscall.Conn
	// MaxMessage bounds a message both ways; 0 means 1 GiB.
	MaxMessage int
	// Python: CPython's framing and codec (Python below) rather than
	// mproc's; no shared objects cross.
	Python bool
}

// NewConn makes a *mproc.Conn (returned as any: rootlink can't import the
// root) that owns s. Set by the root.
var NewConn func(s Stream, cfg ConnConfig) (any, error)

// Python is CPython's wire, set by mproc/connection's init: the root must
// not link the pickle codec. A Python-mode end passed to a child process is
// rebuilt there with it (the child is the same binary).
var Python struct {
	Framing Framing
	Codec   Codec
}
