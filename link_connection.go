package mproc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"syscall"

	"mproc/internal/rootlink"
)

// mproc/connection builds its ends through this hook: the root gains no
// exported name, and does not import net.
func init() { rootlink.NewConn = newStreamConn }

// newStreamConn makes an end that owns st. A stream with a descriptor of
// its own (a TCP or Unix net.Conn) can be passed to another process.
func newStreamConn(st rootlink.Stream, cfg rootlink.ConnConfig) (any, error) {
	var sock *socket
	if sc, ok := st.(syscall.Conn); ok {
		sock = &socket{id: newSocketID(), sc: sc}
	}
	limit := cfg.MaxMessage
	if limit <= 0 {
		limit = maxMessage
	}
	var py rootlink.Framing
	var codec rootlink.Codec
	if cfg.Python {
		py, codec = rootlink.Python.Framing, rootlink.Python.Codec
		if py == nil || codec == nil {
			return nil, errors.New("mproc: Python mode without CPython's wire")
		}
	}
	t, err := newStreamTransport(st, sock, cfg.Unix, py, limit)
	if err != nil {
		return nil, err
	}
	if sock == nil {
		t.under = cfg.Under
	}
	return &Conn{t: t, codec: codec, readable: true, writable: true}, nil
}

// codecOf is the codec of an end that crossed: CPython's for a Python-mode
// socket.
func codecOf(t transport) rootlink.Codec {
	if s, ok := t.(*sockTransport); ok && s.py != nil {
		return rootlink.Python.Codec
	}
	return nil
}

// sendCodec is Send with a codec other than mproc's: plain data only, as
// no shared object crosses to a peer that is not mproc.
func (c *Conn) sendCodec(ctx context.Context, v any) error {
	if !attachmentsOf(reflect.ValueOf(&v).Elem()).empty() {
		return fmt.Errorf("%w: %T holds shared objects, which can't cross to a Python peer", ErrUnencodable, v)
	}
	b, err := c.codec.Marshal(v)
	if err != nil {
		return err
	}
	return c.t.send(ctx, b, nil)
}

// recvPython reads a message in CPython's framing. A read that ctx cuts
// short is replayed at the next call, so the stream stays in step; a
// message above the limit, or a bad header, leaves it out of step for good
// (the framing does not say how far to skip).
func (t *sockTransport) recvPython(ctx context.Context, fn func([]byte) error) error {
	if t.rr.err != nil {
		return t.rr.err
	}
	b, err := t.py.ReadMessage(&t.rr, t.limit)
	switch {
	case err == nil:
		t.rr.commit()
		return fn(b)
	case ranOut(ctx, err):
		t.rr.rewind()
		return ctxErr(ctx, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		t.rr.commit()
		return io.EOF // the other end went away mid-message
	case errors.Is(err, io.EOF):
		t.rr.commit()
		return io.EOF
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrCorrupt):
		t.rr.commit()
		t.rr.err = fmt.Errorf("%w; the connection is out of step and can only be closed", err)
		return t.rr.err
	}
	t.rr.commit()
	return err
}

// replayReader reads r and keeps what a message's read has taken, so that
// a read cut short can be replayed (rewind) rather than lost.
type replayReader struct {
	r       io.Reader
	log     []byte // read by the message in progress
	pending []byte // to read again before r
	err     error  // the stream is out of step
}

func (p *replayReader) Read(b []byte) (int, error) {
	if len(p.pending) > 0 {
		n := copy(b, p.pending)
		p.pending = p.pending[n:]
		p.log = append(p.log, b[:n]...)
		return n, nil
	}
	n, err := p.r.Read(b)
	p.log = append(p.log, b[:n]...)
	return n, err
}

// rewind makes the next read start again where the message began.
func (p *replayReader) rewind() {
	p.pending = append(p.log, p.pending...)
	p.log = nil // pending holds log's array now
}

// commit forgets what the message read (and the memory of a large one).
func (p *replayReader) commit() {
	if cap(p.log) > 64<<10 {
		p.log = nil
	}
	p.log = p.log[:0]
}

func (p *replayReader) buffered() bool { return len(p.pending) > 0 }
