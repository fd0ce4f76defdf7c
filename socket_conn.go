package mproc

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"mproc/internal/auth"
	"mproc/internal/spawn"
	"mproc/internal/wire"
)

// sockTransport is a connection over a stream socket (Unix or TCP), from a
// Listener or Dial: length-prefixed frames, and on Unix sockets descriptors
// beside them.
type sockTransport struct {
	s    *socket
	unix bool // can carry descriptors

	rmu   sync.Mutex
	fdr   *spawn.FDReader
	r     *bufio.Reader
	fr    frameReader // reads t.r
	wmu   sync.Mutex
	limit int // of a message, both ways: maxMessage (tests lower it)
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

func newSockTransport(s *socket, isUnix bool) (*sockTransport, error) {
	fdr, err := spawn.NewFDReader(s.f)
	if err != nil {
		return nil, err
	}
	t := &sockTransport{s: s, unix: isUnix, fdr: fdr, r: bufio.NewReaderSize(fdr, 64<<10), limit: maxMessage}
	t.fr.r = t.r
	return t, nil
}

// deadline applies ctx to the socket's reads or writes until stop is called.
// stop waits for a callback on ctx's end that has started, so that its
// deadline can't land after the reset and fail the next call at once.
func deadline(ctx context.Context, set func(time.Time) error) (stop func()) {
	if d, ok := ctx.Deadline(); ok {
		set(d)
	}
	fired := make(chan struct{})
	after := context.AfterFunc(ctx, func() {
		set(time.Now())
		close(fired)
	})
	return func() {
		if !after() {
			<-fired
		}
		set(time.Time{})
	}
}

// ctxErr reports a deadline the socket ran into as ctx's error. The
// socket's timer may fire before ctx's own: a deadline that has passed is
// ctx's even while ctx.Err() is still nil.
func ctxErr(ctx context.Context, err error) error {
	if !ranOut(ctx, err) {
		return err
	}
	if e := ctx.Err(); e != nil {
		return e
	}
	return context.DeadlineExceeded
}

// ranOut reports that err is the socket's deadline and that it was ctx's:
// ctx has ended, or its deadline has passed.
func ranOut(ctx context.Context, err error) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	d, ok := ctx.Deadline()
	return ctx.Err() != nil || ok && !time.Now().Before(d)
}

func (t *sockTransport) send(ctx context.Context, payload []byte, att *attachments) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	defer deadline(ctx, t.s.f.SetWriteDeadline)()
	if len(payload) > t.limit {
		return fmt.Errorf("%w: a %d-byte message, at most %d", ErrTooLarge, len(payload), t.limit)
	}
	if att.empty() {
		return ctxErr(ctx, wire.WriteFrame(t.s.f, sockMessage, payload))
	}
	if !t.unix {
		return fmt.Errorf("%w: shared objects can't cross a TCP connection (no descriptors pass over it)", ErrUnencodable)
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
	return ctxErr(ctx, spawn.WriteFrameFDs(t.s.f, sockAttached, msg, fds))
}

func (t *sockTransport) recv(ctx context.Context, fn func([]byte) error) error {
	t.rmu.Lock()
	defer t.rmu.Unlock()
	defer deadline(ctx, t.s.f.SetReadDeadline)()
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
	if t.r.Buffered() > 0 {
		return true, nil
	}
	if ready, err := t.s.readable(); ready || err != nil || ctx.Err() != nil {
		if !ready && err == nil {
			err = ctx.Err() // a done ctx only looks
		}
		return ready, err
	}
	defer deadline(ctx, t.s.f.SetReadDeadline)()
	_, err := t.r.Peek(1)
	switch {
	case err == nil, errors.Is(err, io.EOF):
		return true, nil
	}
	return false, ctxErr(ctx, err) // at ctx's end, with nothing there: ctx's error
}

func (t *sockTransport) close() error {
	t.fdr.CloseFDs()
	return t.s.close()
}

func (t *sockTransport) attach(at *attachments) { at.addSocket(t.s) }

func (t *sockTransport) marshal(readable, writable bool) ([]byte, error) {
	return wire.CBOR.Marshal(connHandle{Kind: "socket", Sock: t.s.id, Readable: readable, Writable: writable, Unix: t.unix})
}

func decodeSocketConn(h connHandle) (transport, error) {
	s, err := claimSocket(h.Sock)
	if err != nil {
		return nil, err
	}
	return newSockTransport(s, h.Unix)
}

// handshake adapts a socket transport to the auth package for a handshake
// bounded by ctx.
type handshake struct {
	ctx context.Context
	t   *sockTransport
}

func (h handshake) WriteMessage(b []byte) error { return h.t.send(h.ctx, b, nil) }

func (h handshake) ReadMessage(max int) ([]byte, error) {
	h.t.rmu.Lock()
	defer h.t.rmu.Unlock()
	defer deadline(h.ctx, h.t.s.f.SetReadDeadline)()
	k, b, err := h.t.fr.next(max)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", auth.ErrAuthentication, ctxErr(h.ctx, err))
	}
	if k != sockMessage {
		return nil, fmt.Errorf("%w: unexpected message", auth.ErrAuthentication)
	}
	return b, nil
}
