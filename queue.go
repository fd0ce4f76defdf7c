package mproc

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"reflect"

	"mproc/internal/ring"
	"mproc/internal/shm"
	"mproc/internal/wire"
)

// Queue is a FIFO queue of T shared by processes (CPython's
// multiprocessing.Queue). Pass it to children as an argument; every copy,
// in any process, is the same queue. Any number of processes may put and
// get.
//
// There is no feeder thread: when Put returns, the item is in shared
// memory, so a process may exit right after Put and nothing is lost. A
// process killed in the middle of a Put leaves no trace of that item, and
// one killed in a Get loses nothing another could have got. Items larger
// than the queue's buffer still go through, in pieces.
//
// A queue is not bounded by its buffer: when the buffer is full and no
// consumer is taking items, Put goes on in more shared memory, which the
// queue gives back once consumers have drained it. So a child may put any
// amount and return before anyone gets, and joining it first does not
// deadlock, as it can in CPython. While consumers are taking items, Put
// waits for them to make room in the buffer instead, which is faster than
// growing; when none has for a millisecond, it grows, and the Puts after
// it do not wait at all until a consumer comes back. TryPut never waits.
// Only maxsize, which counts items, makes Put wait for good: a bounded
// queue's items may take more bytes than its buffer, as in CPython.
//
// Shared objects inside items (a Lock, another Queue, a Conn end) cross
// too: their descriptors travel beside the item.
//
// The zero Queue is not usable: create one with NewQueue.
type Queue[T any] struct {
	r         *ring.Ring
	side      [2]*socket // a SOCK_SEQPACKET pair: items' attachments travel from side[0] to side[1]
	coder     *wire.Coder[T]
	mayAttach bool   // T can hold shared objects
	use       *inUse // this process's calls, and Close
}

// defaultQueueBuffer is the shared memory a queue's items travel through
// while consumers keep up: a ring that costs no system call while both
// sides run. Beyond it, an item goes to the queue's spill (see Queue),
// where CPython's feeder thread would buffer it in the producer's memory.
const defaultQueueBuffer = 4 << 20

// defaultQueueSpill is how far a queue can grow beyond its buffer: a
// sparse memfd of 1 TiB, far beyond the machine's memory, of which only
// the pages holding items cost memory, and only until they are got. Every
// process that has the queue received it with the queue, so growing
// passes no descriptor. A queue can hold that much in flight; memory runs
// out first.
const defaultQueueSpill = 1 << 40

// QueueOption configures a queue.
type QueueOption func(*queueConfig)

type queueConfig struct {
	buffer        int
	spill, extent int // see ring.Config
}

// WithQueueBuffer sets the bytes of shared memory a queue's items travel
// through while consumers keep up: a power of two, at least 64 KiB
// (default 4 MiB). Beyond it the queue grows, mapping what it grows by in
// units of the larger of this and 8 MiB, and gives the memory back as it
// drains.
func WithQueueBuffer(bytes int) QueueOption { return func(c *queueConfig) { c.buffer = bytes } }

// NewQueue creates a queue holding at most maxsize items (0: no limit).
func NewQueue[T any](maxsize int, opts ...QueueOption) (*Queue[T], error) {
	return newQueue[T](maxsize, false, opts)
}

func newQueue[T any](maxsize int, joinable bool, opts []QueueOption) (*Queue[T], error) {
	cfg := queueConfig{buffer: defaultQueueBuffer, spill: defaultQueueSpill}
	for _, o := range opts {
		o(&cfg)
	}
	r, err := ring.Make(ring.Config{Size: cfg.buffer, MaxItems: maxsize, Joinable: joinable, Spill: cfg.spill, Extent: cfg.extent})
	if err != nil {
		return nil, err
	}
	a, b, err := newSocketPair(sockSeqpacket)
	if err != nil {
		releaseRing(r)
		return nil, err
	}
	return newQueueOf[T](r, a, b), nil
}

func newQueueOf[T any](r *ring.Ring, a, b *socket) *Queue[T] {
	q := &Queue[T]{r: r, side: [2]*socket{a, b}, coder: wire.NewCoder[T](nil)}
	q.mayAttach = mayHoldShared(reflect.TypeFor[T]())
	q.use = &inUse{free: func() { freeQueue(r, a, b) }}
	return q
}

// freeQueue lets go of a queue's memory and sockets in this process.
func freeQueue(r *ring.Ring, a, b *socket) {
	releaseRing(r)
	a.close()
	b.close()
}

// enter starts a call that returns an error: ErrClosed once the queue was
// closed in this process. The caller must exit after a nil. (A panic
// between them only delays the freeing to the garbage collector.)
func (q *Queue[T]) enter() error {
	if q == nil || q.r == nil || !q.use.enter() {
		return q.unusable()
	}
	return nil
}

func (q *Queue[T]) unusable() error {
	if q == nil || q.r == nil {
		return fmt.Errorf("%w: a zero Queue (create it with NewQueue)", ErrUnencodable)
	}
	return ErrClosed
}

func (q *Queue[T]) exit() { q.use.exit() }

// check is enter for calls that can't return an error: they panic.
func (q *Queue[T]) check() {
	if q == nil || q.r == nil {
		panic("mproc: use of a Queue not made by NewQueue")
	}
	if !q.use.enter() {
		panic("mproc: use of a closed Queue")
	}
}

// Put adds v. On a queue with a maxsize, it waits for room as long as ctx
// allows; at ctx's deadline it returns an error matching ErrFull (and
// ctx's error). Put on a closed queue returns ErrClosed.
func (q *Queue[T]) Put(ctx context.Context, v T) error { return q.put(ctx, v, false) }

// TryPut adds v if the queue's maxsize allows it now, or returns ErrFull
// (CPython's put_nowait).
func (q *Queue[T]) TryPut(v T) error { return q.put(context.Background(), v, true) }

// flagAttached marks an item whose shared objects' descriptors travel on
// the side channel, under the nonce its payload starts with.
const flagAttached = 1

func (q *Queue[T]) put(ctx context.Context, v T, nowait bool) error {
	if err := q.enter(); err != nil {
		return err
	}
	err := q.putIn(ctx, v, nowait)
	q.exit()
	return err
}

// putIn is put between enter and exit.
func (q *Queue[T]) putIn(ctx context.Context, v T, nowait bool) error {
	b, err := q.coder.EncodeAlias(&v)
	if err != nil {
		return err
	}
	o := ring.Options{NoWait: nowait, Grow: true}
	var att *attachments
	if q.mayAttach {
		if att = attachmentsOfCopy(v); !att.empty() {
			nonce := rand.Uint64()
			b = append(binary.LittleEndian.AppendUint64(make([]byte, 0, 8+len(b)), nonce), b...)
			o.Flags = flagAttached
			o.BeforeCommit = func() error { return sendAttachments(q.side[0], nonce, att) }
		}
	}
	err = q.r.Put(ctx, b, o)
	att.release()
	return err
}

// attachmentsOfCopy is attachmentsOf for a copy of v: taking the address
// of put's own v for reflect would move it to the heap on every put, even
// of types that hold no shared objects.
func attachmentsOfCopy[T any](v T) *attachments { return attachmentsOf(reflect.ValueOf(&v).Elem()) }

// Get removes and returns the next item, waiting for one as long as ctx
// allows. At ctx's deadline it returns an error matching ErrEmpty (and
// ctx's error). On a closed queue it returns what is left, then ErrClosed.
// An item larger than half the buffer comes in pieces; once Get has taken
// the first, a deadline no longer stops it (that would lose the item): it
// waits for the rest, which the producer is writing.
func (q *Queue[T]) Get(ctx context.Context) (T, error) { return q.get(ctx, ring.Options{}) }

// TryGet removes and returns the next item if there is one now, or returns
// ErrEmpty (CPython's get_nowait).
func (q *Queue[T]) TryGet() (T, error) {
	return q.get(context.Background(), ring.Options{NoWait: true})
}

func (q *Queue[T]) get(ctx context.Context, o ring.Options) (T, error) {
	if err := q.enter(); err != nil {
		var zero T
		return zero, err
	}
	out, err := q.getIn(ctx, o)
	q.exit()
	return out, err
}

// getIn is get between enter and exit.
func (q *Queue[T]) getIn(ctx context.Context, o ring.Options) (T, error) {
	var out T
	err := q.r.Get(ctx, o, func(p []byte, flags uint16) error {
		var err error
		if flags&flagAttached == 0 {
			out, err = q.coder.DecodeCopy(p)
			return err
		}
		out, err = decodeAttached(q.coder, q.side[1], p)
		return err
	})
	return out, err
}

// decodeAttached decodes an item whose shared objects' descriptors wait on
// the side channel under the nonce that starts its payload.
func decodeAttached[T any](c *wire.Coder[T], side *socket, p []byte) (T, error) {
	var zero T
	if len(p) < 8 {
		return zero, fmt.Errorf("%w: attached item without a nonce", ring.ErrCorrupt)
	}
	rcv, err := recvAttachments(side, binary.LittleEndian.Uint64(p))
	if err != nil {
		return zero, err
	}
	defer rcv.done()
	return c.DecodeCopy(p[8:])
}

// Len is the number of items in the queue (approximate: others may be
// putting and getting). It panics after Close in this process, as do
// Empty and Full.
func (q *Queue[T]) Len() int { q.check(); defer q.exit(); return q.r.Len() }

// Empty reports whether the queue is empty (approximate).
func (q *Queue[T]) Empty() bool { return q.Len() == 0 }

// Full reports whether a Put would wait for room (approximate).
func (q *Queue[T]) Full() bool { q.check(); defer q.exit(); return q.r.Full() }

// Close closes the queue for everyone, like closing a Go channel: Put
// returns ErrClosed everywhere, and Get in other processes returns what is
// left, then ErrClosed. (CPython's close is this process's "no more puts";
// here it is the queue's.)
//
// It also lets go of the queue in this process: its shared memory is
// unmapped here and its sockets closed, once calls in progress in this
// process have returned (they return ErrClosed). Other processes keep
// their copies until they close them. After Close, this process's calls
// that return an error return ErrClosed, and Len, Empty, Full and MaxSize
// panic. Closing again does nothing and returns nil.
func (q *Queue[T]) Close() error {
	if q == nil || q.r == nil || !q.use.enter() {
		return nil
	}
	q.r.Close()
	q.use.close()
	q.use.exit()
	return nil
}

func (q *Queue[T]) attach(at *attachments) {
	if q.enter() != nil {
		return
	}
	at.hold(q.exit) // the sockets stay open until the message is sent
	ctl, data := q.r.Segments()
	at.addSegment(ctl)
	at.addSegment(data)
	at.addSegment(q.r.Spill())
	at.addSocket(q.side[0])
	at.addSocket(q.side[1])
}

// queueHandle is how a queue crosses: its ring and the spill it grows into
// (a zero id: none), its side channel, its type.
type queueHandle struct {
	Kind             string
	Ctl, Data, Spill shm.ID
	Side             [2]shm.ID
	Type             string
}

func (q *Queue[T]) handle(kind string) queueHandle {
	ctl, data := q.r.Segments()
	h := queueHandle{Kind: kind, Ctl: ctl.ID, Data: data.ID, Side: [2]shm.ID{q.side[0].id, q.side[1].id}, Type: reflect.TypeFor[T]().String()}
	if sp := q.r.Spill(); sp != nil {
		h.Spill = sp.ID
	}
	return h
}

// MarshalBinary encodes the queue as a handle; its memory and sockets
// travel beside the message.
func (q *Queue[T]) MarshalBinary() ([]byte, error) { return q.marshal("queue") }

func (q *Queue[T]) marshal(kind string) ([]byte, error) {
	if err := q.enter(); err != nil {
		return nil, err
	}
	defer q.exit()
	return wire.CBOR.Marshal(q.handle(kind))
}

// UnmarshalBinary finds the queue's memory and sockets, which came with the
// message.
func (q *Queue[T]) UnmarshalBinary(b []byte) error {
	nq, err := decodeQueue[T](b, "queue")
	if err == nil {
		*q = *nq
	}
	return err
}

func decodeQueue[T any](b []byte, kind string) (*Queue[T], error) {
	var h queueHandle
	if err := wire.CBOR.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("%w: queue handle: %v", wire.ErrCorrupt, err)
	}
	if want := reflect.TypeFor[T]().String(); h.Kind != kind || h.Type != want {
		return nil, fmt.Errorf("%w: a %s of %s where a %s of %s belongs", wire.ErrCorrupt, h.Kind, h.Type, kind, want)
	}
	r, err := attachRing(h.Ctl, h.Data, h.Spill)
	if err != nil {
		return nil, err
	}
	a, err := claimSocket(h.Side[0])
	if err != nil {
		releaseRing(r)
		return nil, err
	}
	s, err := claimSocket(h.Side[1])
	if err != nil {
		a.close()
		releaseRing(r)
		return nil, err
	}
	return newQueueOf[T](r, a, s), nil
}

// attachRing makes a ring of the segments that came with the message (a
// zero spill id: a ring that does not grow), holding a reference to each.
func attachRing(ctlID, dataID, spillID shm.ID) (*ring.Ring, error) {
	ids := []shm.ID{ctlID, dataID}
	if spillID != (shm.ID{}) {
		ids = append(ids, spillID)
	}
	segs := make([]*shm.Segment, 3)
	for i, id := range ids {
		s, err := shm.Lookup(id)
		if err != nil {
			releaseAll(segs)
			return nil, err
		}
		segs[i] = s
	}
	r, err := ring.AttachSpill(segs[0], segs[1], segs[2])
	if err != nil {
		releaseAll(segs)
	}
	return r, err
}

func releaseAll(segs []*shm.Segment) {
	for _, s := range segs {
		if s != nil {
			s.Release()
		}
	}
}

// releaseRing lets go of a queue's ring in this process: what it mapped
// of its spill, and its segments.
func releaseRing(r *ring.Ring) {
	r.Detach()
	ctl, data := r.Segments()
	releaseAll([]*shm.Segment{ctl, data, r.Spill()})
}
