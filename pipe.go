package mproc

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"mproc/internal/ring"
	"mproc/internal/shm"
	"mproc/internal/wire"
)

// defaultPipeBuffer is the shared memory each direction of a pipe carries
// messages through; larger messages cross in pieces.
const defaultPipeBuffer = 1 << 20

// pipeSpin is how long a receive polls before sleeping: a pipe is mostly
// request and reply, and a reply that comes within this saves both sides a
// futex sleep and wake-up (5-10 µs each).
const pipeSpin = 50 * time.Microsecond

// Pipe returns the two ends of a new pipe (CPython's Pipe). A duplex pipe
// carries messages both ways; otherwise the first end only receives and the
// second only sends.
//
// Messages travel through shared memory, so a round trip needs no system
// call while both sides are running. Each end also holds one end of a
// socket pair, which carries shared objects inside messages and tells an
// end when the other is closed everywhere (io.EOF). As with CPython, close
// the end a process does not use, or the other side never sees EOF.
func Pipe(duplex bool) (*Conn, *Conn, error) {
	sa, sb, err := newSocketPair(sockSeqpacket)
	if err != nil {
		return nil, nil, err
	}
	ab, err := ring.New(defaultPipeBuffer, 0)
	if err != nil {
		return nil, nil, err
	}
	if !duplex {
		r := &Conn{t: &pipeTransport{in: ab, sock: sa}, readable: true}
		w := &Conn{t: &pipeTransport{out: ab, sock: sb}, writable: true}
		return r, w, nil
	}
	ba, err := ring.New(defaultPipeBuffer, 0)
	if err != nil {
		return nil, nil, err
	}
	a := &Conn{t: &pipeTransport{in: ba, out: ab, sock: sa}, readable: true, writable: true}
	b := &Conn{t: &pipeTransport{in: ab, out: ba, sock: sb}, readable: true, writable: true}
	return a, b, nil
}

// pipeTransport is an end of a pipe: the ring it reads, the ring it writes,
// and its socket.
type pipeTransport struct {
	in, out *ring.Ring
	sock    *socket
}

// peerGone reports that the other end is closed in every process: its
// socket hung up.
func (t *pipeTransport) peerGone() bool {
	fd := t.sock.rawFD()
	if fd < 0 {
		return true
	}
	return hungUp(fd)
}

func (t *pipeTransport) send(ctx context.Context, payload []byte, att *attachments) error {
	o := ring.Options{PeerGone: t.peerGone}
	if !att.empty() {
		nonce := rand.Uint64()
		payload = append(binary.LittleEndian.AppendUint64(make([]byte, 0, 8+len(payload)), nonce), payload...)
		o.Flags = flagAttached
		o.BeforeCommit = func() error { return sendAttachments(t.sock, nonce, att) }
	}
	err := t.out.Put(ctx, payload, o)
	if errors.Is(err, ring.ErrPeerGone) {
		return fmt.Errorf("%w: the receiving end is closed", io.ErrClosedPipe)
	}
	return waitErr(ctx, err)
}

func (t *pipeTransport) recv(ctx context.Context, fn func([]byte) error) error {
	err := t.in.Get(ctx, ring.Options{PeerGone: t.peerGone, Spin: pipeSpin}, func(p []byte, flags uint16) error {
		if flags&flagAttached == 0 {
			return fn(p)
		}
		if len(p) < 8 {
			return fmt.Errorf("%w: attached message without a nonce", ring.ErrCorrupt)
		}
		rcv, err := recvAttachments(t.sock, binary.LittleEndian.Uint64(p))
		if err != nil {
			return err
		}
		defer rcv.done()
		return fn(p[8:])
	})
	if errors.Is(err, ring.ErrPeerGone) {
		return io.EOF
	}
	return waitErr(ctx, err)
}

func (t *pipeTransport) poll(ctx context.Context) (bool, error) {
	spin := pipeSpin
	if ctx.Err() != nil {
		spin = 0 // only looking
	}
	if _, err := t.in.Readable(ctx, t.peerGone, spin); err != nil {
		return false, err
	}
	return true, nil // a message, or the end: either way a receive won't wait
}

func (t *pipeTransport) close() error {
	err := t.sock.close()
	for _, r := range []*ring.Ring{t.in, t.out} {
		if r != nil {
			r.Nudge() // the other end's waiters look at the socket again
		}
	}
	return err
}

func (t *pipeTransport) attach(at *attachments) {
	for _, r := range []*ring.Ring{t.in, t.out} {
		if r != nil {
			ctl, data := r.Segments()
			at.addSegment(ctl)
			at.addSegment(data)
		}
	}
	at.addSocket(t.sock)
}

// ringHandle names a ring's two segments; zero for none.
type ringHandle struct {
	Ctl, Data shm.ID
}

type socketID = shm.ID

func handleOf(r *ring.Ring) ringHandle {
	if r == nil {
		return ringHandle{}
	}
	ctl, data := r.Segments()
	return ringHandle{ctl.ID, data.ID}
}

func (h ringHandle) ring() (*ring.Ring, error) {
	if h == (ringHandle{}) {
		return nil, nil
	}
	ctl, err := shm.Lookup(h.Ctl)
	if err != nil {
		return nil, err
	}
	data, err := shm.Lookup(h.Data)
	if err != nil {
		return nil, err
	}
	return ring.Attach(ctl, data)
}

func (t *pipeTransport) marshal(readable, writable bool) ([]byte, error) {
	return wire.CBOR.Marshal(connHandle{
		Kind: "pipe", In: handleOf(t.in), Out: handleOf(t.out), Sock: t.sock.id,
		Readable: readable, Writable: writable,
	})
}

func decodePipe(h connHandle) (transport, error) {
	in, err := h.In.ring()
	if err != nil {
		return nil, err
	}
	out, err := h.Out.ring()
	if err != nil {
		return nil, err
	}
	if h.Readable != (in != nil) || h.Writable != (out != nil) {
		return nil, fmt.Errorf("%w: a pipe end's rings do not match its directions", wire.ErrCorrupt)
	}
	s, err := claimSocket(h.Sock)
	if err != nil {
		return nil, err
	}
	return &pipeTransport{in: in, out: out, sock: s}, nil
}
