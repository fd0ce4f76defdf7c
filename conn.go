package mproc

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"

	"mproc/internal/rootlink"
	"mproc/internal/wire"
)

// Conn is one end of a connection (CPython's Connection): from Pipe, or
// from package mproc/connection (a Listener's Accept, Dial, Client). It
// sends and receives whole messages: values (Send, Recv) or bytes
// (SendBytes, RecvBytes). Receiving after the
// other end has closed everywhere returns io.EOF once the messages sent
// before are read.
//
// A Conn is an ordinary argument: pass it to a child, put it on a Queue, or
// send it through another Conn, and it works there. Shared objects inside
// messages (a Lock, a Queue, another Conn) cross too. A Conn over TCP or
// TLS can't carry descriptors, so it can't carry those; one over TLS can't
// cross processes itself either.
//
// Methods may be called from several goroutines; messages are never
// interleaved.
type Conn struct {
	t        transport
	codec    rootlink.Codec // CPython's pickle (mproc/connection's Python mode); nil: mproc's
	readable bool
	writable bool
	closed   atomic.Bool
}

// transport is how a Conn moves messages: shared memory (pipeTransport) or
// a stream socket (sockTransport).
type transport interface {
	send(ctx context.Context, payload []byte, att *attachments) error
	// recv passes the next message to fn with what came beside it.
	recv(ctx context.Context, fn func(payload []byte) error) error
	// poll waits until a message, or the end of the stream, is there.
	poll(ctx context.Context) (bool, error)
	close() error
	attach(at *attachments)
	marshal(readable, writable bool) ([]byte, error)
}

// Errors of Conn.
var (
	errNotWritable = fmt.Errorf("%w: this end only receives", ErrWrongEnd)
	errNotReadable = fmt.Errorf("%w: this end only sends", ErrWrongEnd)
)

// BufferTooShortError is RecvBytesInto's error for a message longer than
// the buffer; the message is not lost: it is here.
type BufferTooShortError struct {
	Message []byte
}

func (e *BufferTooShortError) Error() string {
	return fmt.Sprintf("mproc: a %d-byte message does not fit the buffer", len(e.Message))
}

func (e *BufferTooShortError) Unwrap() error { return ErrBufferTooShort }

func (c *Conn) usable(write bool) error {
	switch {
	case c == nil || c.t == nil:
		panic("mproc: use of a Conn not made by Pipe or mproc/connection")
	case c.closed.Load():
		return ErrClosed
	case write && !c.writable:
		return errNotWritable
	case !write && !c.readable:
		return errNotReadable
	}
	return nil
}

// Readable reports whether this end receives.
func (c *Conn) Readable() bool { return c.readable }

// Writable reports whether this end sends.
func (c *Conn) Writable() bool { return c.writable }

// Send sends v as one message (CPython's send). v is encoded with the
// default codec; shared objects in it travel beside it.
func (c *Conn) Send(ctx context.Context, v any) error {
	if err := c.usable(true); err != nil {
		return err
	}
	if c.codec != nil {
		return c.sendCodec(ctx, v)
	}
	rv := reflect.ValueOf(v) // what v holds: an int needs no walk through the interface
	if err := wire.CheckValue(rv); err != nil {
		return err
	}
	b, err := wire.CBOR.Marshal(v)
	if err != nil {
		return fmt.Errorf("%w: %T: %w", ErrUnencodable, v, err)
	}
	att := attachmentsOf(rv)
	err = c.t.send(ctx, b, att)
	att.release()
	return err
}

// Recv receives the next message into the value ptr points to (CPython's
// recv). It returns io.EOF when the other end has closed and nothing is
// left.
func (c *Conn) Recv(ctx context.Context, ptr any) error {
	if err := c.usable(false); err != nil {
		return err
	}
	if rv := reflect.ValueOf(ptr); rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("mproc: Recv needs a non-nil pointer, not %T", ptr)
	}
	if c.codec != nil {
		return c.t.recv(ctx, func(p []byte) error { return c.codec.Unmarshal(p, ptr) })
	}
	return c.t.recv(ctx, func(p []byte) error {
		if err := wire.CBOR.Unmarshal(p, ptr); err != nil {
			return fmt.Errorf("%w: message into %T: %v", wire.ErrCorrupt, ptr, err)
		}
		return nil
	})
}

// SendBytes sends b as one message (CPython's send_bytes).
func (c *Conn) SendBytes(ctx context.Context, b []byte) error {
	if err := c.usable(true); err != nil {
		return err
	}
	return c.t.send(ctx, b, nil)
}

// RecvBytes receives the next message as bytes (CPython's recv_bytes).
func (c *Conn) RecvBytes(ctx context.Context) ([]byte, error) {
	if err := c.usable(false); err != nil {
		return nil, err
	}
	var out []byte
	// An empty message is an empty slice, not nil (CPython's b'').
	err := c.t.recv(ctx, func(p []byte) error { out = append(make([]byte, 0, len(p)), p...); return nil })
	return out, err
}

// RecvBytesInto receives the next message into buf and returns its length
// (CPython's recv_bytes_into). A message longer than buf is returned whole
// in a *BufferTooShortError, which matches ErrBufferTooShort.
func (c *Conn) RecvBytesInto(ctx context.Context, buf []byte) (int, error) {
	if err := c.usable(false); err != nil {
		return 0, err
	}
	n := 0
	err := c.t.recv(ctx, func(p []byte) error {
		if len(p) > len(buf) {
			return &BufferTooShortError{Message: append([]byte(nil), p...)}
		}
		n = copy(buf, p)
		return nil
	})
	return n, err
}

// Poll reports whether a message (or the end of the stream) is there to
// receive, waiting for one as long as ctx allows: with a ctx that is already
// done it answers at once (CPython's poll(0)). When ctx ends with nothing
// there it returns false and ctx's error (see "Deadlines" in the package
// doc).
func (c *Conn) Poll(ctx context.Context) (bool, error) {
	if err := c.usable(false); err != nil {
		return false, err
	}
	ok, err := c.t.poll(ctx)
	return ok, waitErr(ctx, err)
}

// Close closes this end in this process. The other end sees io.EOF once
// every copy of this end, in every process, is closed (or its process has
// died). Close twice is fine.
func (c *Conn) Close() error {
	if c == nil || c.t == nil || c.closed.Swap(true) {
		return nil
	}
	return c.t.close()
}

func (c *Conn) attach(at *attachments) {
	if !c.closed.Load() {
		c.t.attach(at)
	}
}

// MarshalBinary encodes the end as a handle; its memory and sockets travel
// beside the message.
func (c *Conn) MarshalBinary() ([]byte, error) {
	if c == nil || c.t == nil {
		return nil, fmt.Errorf("%w: a zero Conn", ErrUnencodable)
	}
	if c.closed.Load() {
		return nil, fmt.Errorf("%w: a closed Conn", ErrUnencodable)
	}
	return c.t.marshal(c.readable, c.writable)
}

// connHandle is how an end crosses.
type connHandle struct {
	Kind     string // "pipe" or "socket"
	In, Out  ringHandle
	Sock     socketID
	Readable bool
	Writable bool
	Unix     bool `cbor:",omitempty"` // a socket that can carry descriptors
	Python   bool `cbor:",omitempty"` // CPython's framing and codec
	Limit    int  `cbor:",omitempty"` // a message's bound, if not maxMessage
}

// UnmarshalBinary finds the end's memory and sockets, which came with the
// message.
func (c *Conn) UnmarshalBinary(b []byte) error {
	var h connHandle
	if err := wire.CBOR.Unmarshal(b, &h); err != nil {
		return fmt.Errorf("%w: connection handle: %v", wire.ErrCorrupt, err)
	}
	var t transport
	var err error
	switch h.Kind {
	case "pipe":
		t, err = decodePipe(h)
	case "socket":
		t, err = decodeSocketConn(h)
	default:
		err = fmt.Errorf("%w: connection of kind %q", wire.ErrCorrupt, h.Kind)
	}
	if err != nil {
		return err
	}
	c.t, c.readable, c.writable = t, h.Readable, h.Writable
	c.codec = codecOf(t)
	c.closed.Store(false)
	return nil
}

// waitErr reports a wait that ctx ended as ctx's error: a Conn has no
// "queue empty" or "queue full", only a deadline.
func waitErr(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil && (errors.Is(err, ErrEmpty) || errors.Is(err, ErrFull)) {
		return ctx.Err()
	}
	return err
}
