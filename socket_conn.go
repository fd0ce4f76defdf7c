package mproc

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"mproc/internal/ctxio"
	"os"
	"sync"
	"syscall"
	"time"

	"mproc/internal/rootlink"
	"mproc/internal/spawn"
	"mproc/internal/wire"
)

// sockTransport is a connection over a byte stream: a Unix or TCP socket,
// or any stream mproc/connection hands over (TLS). mproc's framing is
// length-prefixed frames, and on Unix sockets descriptors beside them;
// CPython's (py) carries bytes alone.
type sockTransport struct {
	st   rootlink.Stream
	sock *socket // st's descriptor, to pass the end on; nil when st has none (TLS)
	unix bool    // can carry descriptors
	// under is what Poll looks at: sock's descriptor, or the socket
	// beneath a layered stream; nil for none.
	under syscall.Conn
	py    rootlink.Framing // CPython's framing; nil for mproc's

	rmu   sync.Mutex
	fdr   *spawn.FDReader // reads st on Unix sockets in mproc's framing
	r     *bufio.Reader
	fr    frameReader  // reads t.r (mproc's framing)
	rr    replayReader // reads t.r (CPython's framing)
	wmu   sync.Mutex
	limit int // of a message, both ways: maxMessage unless set
}

// Frame kinds on a socket connection.
const (
	sockMessage  = 1
	sockAttached = 2 // payload: u32 length, the attachDesc, the message; descriptors beside
)

// maxMessage bounds a message on a socket connection (1 GiB): a frame
// announcing more is refused unread, and skipped; sending one is refused
// before anything is written. Either way the connection stays usable.
const maxMessage = wire.DefaultMaxFrame

// newStreamTransport makes a transport over st, whose descriptor is sock's
// (nil: st has none, and under, if not nil, is the socket beneath it).
func newStreamTransport(st rootlink.Stream, sock *socket, isUnix bool, py rootlink.Framing, limit int) (*sockTransport, error) {
	t := &sockTransport{st: st, sock: sock, unix: isUnix && sock != nil && py == nil, py: py, limit: limit}
	if sock != nil {
		t.under = sock.sc
	}
	var src io.Reader = st
	if t.unix {
		fdr, err := spawn.NewFDReader(sock.sc)
		if err != nil {
			return nil, err
		}
		t.fdr, src = fdr, fdr
	}
	t.r = bufio.NewReaderSize(src, 64<<10)
	t.fr.r = t.r
	t.rr.r = t.r
	return t, nil
}

// The socket's deadlines follow ctx (see package ctxio).
var (
	deadline = ctxio.Deadline
	ctxErr   = ctxio.Err
	ranOut   = ctxio.RanOut
)

func (t *sockTransport) send(ctx context.Context, payload []byte, att *attachments) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	defer deadline(ctx, t.st.SetWriteDeadline)()
	if len(payload) > t.limit {
		return fmt.Errorf("%w: a %d-byte message, at most %d", ErrTooLarge, len(payload), t.limit)
	}
	switch {
	case !att.empty() && t.py != nil:
		return fmt.Errorf("%w: shared objects can't cross to a Python peer", ErrUnencodable)
	case t.py != nil:
		return ctxErr(ctx, t.py.WriteMessage(t.st, payload))
	case att.empty():
		return ctxErr(ctx, wire.WriteFrame(t.st, sockMessage, payload))
	case !t.unix:
		return fmt.Errorf("%w: shared objects can't cross a TCP or TLS connection (no descriptors pass over it)", ErrUnencodable)
	}
	desc, fds := att.describe()
	if len(fds) > maxAttachFDs {
		return fmt.Errorf("%w: %d shared objects in one message, at most %d", ErrUnencodable, len(fds), maxAttachFDs)
	}
	d, err := wire.CBOR.Marshal(desc)
	if err != nil {
		return err
	}
	msg := binary.LittleEndian.AppendUint32(make([]byte, 0, 4+len(d)+len(payload)), uint32(len(d)))
	msg = append(append(msg, d...), payload...)
	if len(msg) > t.limit {
		return fmt.Errorf("%w: a %d-byte message with its attachments, at most %d", ErrTooLarge, len(msg), t.limit)
	}
	return ctxErr(ctx, spawn.WriteFrameFDs(t.sock.sc.(interface {
		io.Writer
		syscall.Conn
	}), sockAttached, msg, fds))
}

func (t *sockTransport) recv(ctx context.Context, fn func([]byte) error) error {
	t.rmu.Lock()
	defer t.rmu.Unlock()
	defer deadline(ctx, t.st.SetReadDeadline)()
	if t.py != nil {
		return t.recvPython(ctx, fn)
	}
	k, payload, err := t.fr.next(t.limit)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return io.EOF // the other end went away mid-message
		}
		return ctxErr(ctx, err)
	}
	switch k {
	case sockMessage:
		return fn(payload)
	case sockAttached:
		return t.recvAttached(payload, fn)
	}
	return fmt.Errorf("%w: message of kind %d", wire.ErrCorrupt, k)
}

func (t *sockTransport) recvAttached(payload []byte, fn func([]byte) error) error {
	if len(payload) < 4 || int(binary.LittleEndian.Uint32(payload)) > len(payload)-4 {
		return fmt.Errorf("%w: attached message", wire.ErrCorrupt)
	}
	n := int(binary.LittleEndian.Uint32(payload))
	var desc attachDesc
	if err := wire.CBOR.Unmarshal(payload[4:4+n], &desc); err != nil {
		return fmt.Errorf("%w: attachments: %v", wire.ErrCorrupt, err)
	}
	fds, err := t.fdr.TakeFDs(desc.count())
	if err != nil {
		return err
	}
	rcv, err := receive(desc, fds)
	if err != nil {
		return err
	}
	defer rcv.done()
	return fn(payload[4+n:])
}

func (t *sockTransport) poll(ctx context.Context) (bool, error) {
	t.rmu.Lock()
	defer t.rmu.Unlock()
	if t.r.Buffered() > 0 || t.rr.buffered() {
		return true, nil
	}
	grace := time.Time{} // how long a done ctx may read: not at all
	if t.under != nil {
		ready, err := readableFD(t.under)
		switch {
		case ready && t.sock == nil:
			// Bytes beneath a layered stream (TLS) may be a whole
			// message, or part of a record: a short read tells.
			grace = time.Now().Add(layerGrace)
		case ready || err != nil:
			return ready, err
		case ctx.Err() != nil:
			return false, ctx.Err() // a done ctx only looks
		}
	}
	var stop func()
	if ctx.Err() != nil {
		if grace.IsZero() {
			grace = time.Now()
		}
		t.st.SetReadDeadline(grace)
		stop = func() { t.st.SetReadDeadline(time.Time{}) }
	} else {
		stop = deadline(ctx, t.st.SetReadDeadline)
	}
	defer stop()
	_, err := t.r.Peek(1)
	switch {
	case err == nil, errors.Is(err, io.EOF):
		return true, nil
	case ctx.Err() != nil && errors.Is(err, os.ErrDeadlineExceeded):
		return false, ctx.Err()
	}
	return false, ctxErr(ctx, err) // at ctx's end, with nothing there: ctx's error
}

// layerGrace is how long Poll with a done ctx reads a layered stream (TLS)
// whose socket has bytes: enough to decrypt a record that has arrived.
const layerGrace = 2 * time.Millisecond

func (t *sockTransport) close() error {
	if t.fdr != nil {
		t.fdr.CloseFDs()
	}
	return t.st.Close()
}

func (t *sockTransport) attach(at *attachments) {
	if t.sock != nil {
		at.addSocket(t.sock)
	}
}

func (t *sockTransport) marshal(readable, writable bool) ([]byte, error) {
	if t.sock == nil {
		return nil, fmt.Errorf("%w: a connection over a stream without a descriptor of its own (TLS) can't cross processes", ErrUnencodable)
	}
	h := connHandle{Kind: "socket", Sock: t.sock.id, Readable: readable, Writable: writable, Unix: t.unix, Python: t.py != nil}
	if t.limit != maxMessage {
		h.Limit = t.limit
	}
	return wire.CBOR.Marshal(h)
}

func decodeSocketConn(h connHandle) (transport, error) {
	var py rootlink.Framing
	if h.Python {
		if py = rootlink.Python.Framing; py == nil {
			return nil, fmt.Errorf("%w: a Python-mode connection, in a program without mproc/connection", ErrCorrupt)
		}
	}
	limit := maxMessage
	if h.Limit > 0 {
		limit = h.Limit
	}
	s, err := claimSocket(h.Sock)
	if err != nil {
		return nil, err
	}
	t, err := newStreamTransport(s.f, s, h.Unix, py, limit)
	if err != nil {
		s.close()
		return nil, err
	}
	return t, nil
}
