// Package ring is the shared-memory ring of frames under mproc's queues and
// pipes: any number of producers and consumers in any processes, no system
// call while both sides keep up, and no torn or lost item when a process
// dies in the middle of a put or a get.
//
// Two segments make a ring: a control page and the data, mapped twice back
// to back so that a frame is always one contiguous run of bytes. Producers
// take the producer lock, write a frame at the tail and commit it with a
// single store: the frame's stamp, its own position plus one, written last.
// Consumers take the consumer lock, wait for the stamp at the head to match
// the head, read the frame and move the head past it. So a consumer watches
// only the frame it waits for, not a counter the producer keeps writing. A
// frame a dead producer did not stamp is simply overwritten (a stale stamp
// from an earlier lap names another position); a lock a dead process held
// passes to the next one (internal/lockword). Items larger than half the ring are
// cut into chunks that a consumer joins; a consumer that finds the producer
// of an unfinished item dead drops it, so nobody ever gets half an item.
package ring

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"mproc/internal/futex"
	"mproc/internal/lockword"
	"mproc/internal/shm"
	"mproc/internal/wire"
)

var (
	ErrClosed  = errors.New("mproc: closed")
	ErrEmpty   = errors.New("mproc: empty")
	ErrFull    = errors.New("mproc: full")
	ErrCorrupt = fmt.Errorf("%w in a ring", wire.ErrCorrupt)
	// ErrTaskDone means TaskDone was called more times than items were put.
	ErrTaskDone = errors.New("mproc: TaskDone called more times than there were items")
)

// Control page layout: what producers write, what consumers write and what
// sleepers wait on each have their own cache line.
const (
	offProdLock  = 0   // producers' lock word
	offChunking  = 4   // 1 while a producer is between the first and last chunk of an item
	offTail      = 64  // bytes committed, ever (the producers' own)
	offPuts      = 72  // items committed, ever
	offConsLock  = 128 // consumers' lock word
	offHead      = 192 // bytes consumed, ever
	offGets      = 200 // items consumed (or dropped), ever
	offDataSeq   = 256 // futex word: changes when data comes and consumers sleep
	offConsSleep = 260
	offSpaceSeq  = 320 // futex word: changes when space frees and producers sleep
	offProdSleep = 324
	offClosed    = 384
	offMaxItems  = 392
	offSize      = 400
	offMagic     = 408
	offPrevPuts  = 96  // the item count before the commit in progress (the producers' line)
	offPrevTail  = 104 // the tail that commit writes at
	offPendHead  = 208 // the head a consume in progress sets (the consumers' line)
	offPendGets  = 216 // the item count it sets
	offJoinable  = 456 // 1: a JoinableQueue's ring (TaskDone, Join)
	offDone      = 512 // items marked done, ever (the consumers' own): puts - done are unfinished
	offJoinSeq   = 576 // futex word: changes when done catches up with puts and Join sleeps
	offJoinSleep = 580
	offAux       = 640 // the users' word: see Aux

	// Growth (see grow.go). The producers' own: the last link frame's
	// position plus one (0: none), on their first line; and on a line of
	// their own, the spill's tail, its items put, the commit in progress,
	// the last seal's position plus one and where the last link's spill
	// starts, and a mark of the consumers' progress.
	offLastLink      = 80
	offSpillTail     = 704
	offSpillPuts     = 712
	offSpillPrevPuts = 720
	offSpillPrevTail = 728
	offLastSeal      = 736
	offLinkStart     = 744
	offStall         = 752 // consumed() when a put last found consumers stalled
	// The consumers' own: the spill's head, its items got, the consume in
	// progress, and how far its memory has been given back.
	offSpillHead     = 768
	offSpillGets     = 776
	offSpillPendHead = 784
	offSpillPendGets = 792
	offSpillPunched  = 800
	// Fixed at creation: the spill's size (0: the ring does not grow) and
	// its extent.
	offSpillSize = 832
	offSpillExt  = 840

	magic = 0x6d70726f_72696e67 // "mproring"
)

// Frame kinds and the frame header: the stamp (the frame's position plus
// one, stored last), payload length, kind, the item's flags.
const (
	headerSize = 16
	kindWhole  = 1
	kindFirst  = 2 // payload starts with the item's total length (8 bytes)
	kindMid    = 3
	kindLast   = 4
	kindAbort  = 5 // the producer of the unfinished item died
	kindLink   = 6 // in the ring: what follows is in the spill, from the position in the payload, to a seal
	kindSeal   = 7 // in the spill: back to the ring, after the link
	kindPad    = 8 // in the spill: the rest of the extent is unused

	// MaxItem bounds one item; a header claiming more is corrupt.
	MaxItem = 1 << 36
)

// MinSize is the smallest ring.
const MinSize = 64 << 10

// Ring is one process's view of a shared ring.
type Ring struct {
	ctl, data *shm.Segment
	size      uint64
	mem       []byte         // the data, mapped twice
	ctlBase   unsafe.Pointer // the control page, for u32 and u64
	joinable  bool
	sp        *spill // nil: the ring does not grow

	// The consumers' position as producers last saw it: a producer rereads
	// the head and the item count (cache lines the consumers keep writing)
	// only when what it saw leaves no room. The producer lock orders their
	// use; they are atomic because the race detector cannot see that lock,
	// which lives in shared memory.
	seenHead, seenGets atomic.Uint64
	// The item count as TaskDone last saw it: a consumer rereads the
	// producers' cache line only when its done count catches up with it.
	seenPuts atomic.Uint64
}

// New creates a ring of size bytes (a power of two, at least MinSize)
// holding at most maxItems items (0: no limit but the bytes).
func New(size, maxItems int) (*Ring, error) { return Make(Config{Size: size, MaxItems: maxItems}) }

// NewJoinable creates a ring that counts unfinished items for TaskDone and
// Join.
func NewJoinable(size, maxItems int) (*Ring, error) {
	return Make(Config{Size: size, MaxItems: maxItems, Joinable: true})
}

// Config describes a ring for Make.
type Config struct {
	Size     int  // bytes: a power of two, at least MinSize
	MaxItems int  // 0: no limit but the bytes
	Joinable bool // count unfinished items for TaskDone and Join
	// Spill, if not 0, makes a ring that can grow: a put with Options.Grow
	// that finds no room goes on in a sparse segment of Spill bytes (a
	// power of two), which costs memory only for what it holds. Extent is
	// the unit that segment is mapped in (default DefaultExtent, and at
	// least Size); Spill holds at least four.
	Spill, Extent int
}

// DefaultExtent is a spill's default unit of mapping.
const DefaultExtent = 8 << 20

// Make creates a ring.
func Make(c Config) (*Ring, error) {
	if c.Size < MinSize || c.Size&(c.Size-1) != 0 {
		return nil, fmt.Errorf("mproc: ring size %d is not a power of two of at least %d", c.Size, MinSize)
	}
	if c.MaxItems < 0 {
		return nil, fmt.Errorf("mproc: maxsize %d is negative", c.MaxItems)
	}
	ext := max(c.Extent, c.Size)
	if c.Extent == 0 {
		ext = max(DefaultExtent, c.Size)
	}
	if c.Spill != 0 && !spillShapeOK(uint64(c.Spill), uint64(ext)) {
		return nil, fmt.Errorf("mproc: a spill of %d bytes in extents of %d", c.Spill, ext)
	}
	ctl, err := shm.New(shm.PageSize)
	if err != nil {
		return nil, err
	}
	data, err := shm.NewMirrored(c.Size)
	if err != nil {
		ctl.Release()
		return nil, err
	}
	var sp *shm.Segment
	if c.Spill != 0 {
		if sp, err = shm.NewSparse(c.Spill); err != nil {
			ctl.Release()
			data.Release()
			return nil, err
		}
		*ctl.Uint64(offSpillSize) = uint64(c.Spill)
		*ctl.Uint64(offSpillExt) = uint64(ext)
	}
	*ctl.Uint64(offSize) = uint64(c.Size)
	*ctl.Uint64(offMaxItems) = uint64(c.MaxItems)
	*ctl.Uint64(offMagic) = magic
	if c.Joinable {
		*ctl.Uint32(offJoinable) = 1
	}
	return AttachSpill(ctl, data, sp)
}

// spillShapeOK reports whether a spill of size bytes in extents of ext
// bytes can be: powers of two, extents of at least 32 KiB (each gives back
// memory an eighth at a time, in whole pages), at least four of them (so
// that what is consumed but not yet given back never keeps a frame out).
func spillShapeOK(size, ext uint64) bool {
	pow2 := func(n uint64) bool { return n != 0 && n&(n-1) == 0 }
	return pow2(size) && pow2(ext) && ext >= 32<<10 && size >= 4*ext && size <= MaxSpill
}

// MaxSpill bounds a spill's size.
const MaxSpill = 1 << 46

// Attach makes a ring that does not grow of segments received from
// another process, checking that they are one.
func Attach(ctl, data *shm.Segment) (*Ring, error) { return AttachSpill(ctl, data, nil) }

// AttachSpill is Attach for a ring that may grow into spill (nil for one
// that does not).
func AttachSpill(ctl, data, spill *shm.Segment) (*Ring, error) {
	if ctl.Size < shm.PageSize || !data.Mirrored {
		return nil, fmt.Errorf("%w: wrong segments", ErrCorrupt)
	}
	size := atomic.LoadUint64(ctl.Uint64(offSize))
	if atomic.LoadUint64(ctl.Uint64(offMagic)) != magic || size != uint64(data.Size) {
		return nil, fmt.Errorf("%w: control page does not match the data", ErrCorrupt)
	}
	joinable := atomic.LoadUint32(ctl.Uint32(offJoinable)) != 0
	r := &Ring{ctl: ctl, data: data, size: size, mem: data.Bytes(), ctlBase: ctl.Pointer(0), joinable: joinable}
	spSize, ext := atomic.LoadUint64(ctl.Uint64(offSpillSize)), atomic.LoadUint64(ctl.Uint64(offSpillExt))
	switch {
	case spill == nil && spSize == 0:
	case spill == nil || spSize == 0 || !spill.Sparse || uint64(spill.Size) != spSize || ext < size || !spillShapeOK(spSize, ext):
		return nil, fmt.Errorf("%w: the spill does not match the ring", ErrCorrupt)
	default:
		r.sp = newSpill(spill, spSize, ext)
		keepUnmapped(r, r.sp)
	}
	return r, nil
}

// Segments are the ring's shared memory, for sending it to another process.
func (r *Ring) Segments() (ctl, data *shm.Segment) { return r.ctl, r.data }

// Spill is the segment the ring grows into, nil if it does not grow.
func (r *Ring) Spill() *shm.Segment {
	if r.sp == nil {
		return nil
	}
	return r.sp.seg
}

// Detach unmaps what this process mapped of the spill; the ring must not
// be used after.
func (r *Ring) Detach() {
	if r.sp != nil {
		r.sp.unmapAll()
	}
}

// u32 and u64 are words of the control page. They skip shm.Segment's
// checks, which keep those from being inlined: every offset is a constant
// inside the page, which r.ctl keeps mapped.
func (r *Ring) u32(off int) *uint32 { return (*uint32)(unsafe.Add(r.ctlBase, off)) }
func (r *Ring) u64(off int) *uint64 { return (*uint64)(unsafe.Add(r.ctlBase, off)) }

// maxPayload is the largest payload of one frame: frames stay under half
// the ring so that a put never waits for more than half of it to drain.
func (r *Ring) maxPayload() int { return int(r.size/2) - headerSize }

// chunkPayload is the payload of one chunk of a large item.
func (r *Ring) chunkPayload() int { return int(r.size / 4) }

func frameSize(n int) uint64 { return uint64(headerSize + (n+7)&^7) }

// stampSlack is the room a frame needs beyond its own size: the word after
// it, which its commit clears so that the next frame's stamp position never
// holds stale bytes that look like a stamp (a payload can hold anything).
const stampSlack = 8

// abortRoom is the room each chunk of a large item keeps free beyond its
// own, so that an abort frame always fits and cutting an item short never
// waits.
var abortRoom = frameSize(0) + stampSlack

// Len is the number of items in the ring (a snapshot).
func (r *Ring) Len() int {
	gets := r.gets()
	puts := r.puts()
	if puts < gets {
		return 0
	}
	return int(puts - gets)
}

// puts and gets count the items put and got, ever. The ring's and the
// spill's counts are kept apart so that each has its own commit to
// recover (see recoverProducer, recoverConsumer).
func (r *Ring) puts() uint64 {
	return atomic.LoadUint64(r.u64(offPuts)) + atomic.LoadUint64(r.u64(offSpillPuts))
}

func (r *Ring) gets() uint64 {
	return atomic.LoadUint64(r.u64(offGets)) + atomic.LoadUint64(r.u64(offSpillGets))
}

// Aux is a word of the ring's shared memory that the ring itself never
// uses, on a cache line of its own, for its users' bookkeeping: a pool
// worker stores there the id of the task it is starting. Access it
// atomically.
func (r *Ring) Aux() *uint64 { return r.u64(offAux) }

// MaxItems is the item limit (0: none).
func (r *Ring) MaxItems() int { return int(atomic.LoadUint64(r.u64(offMaxItems))) }

// Full reports whether a put would wait for room (a snapshot).
func (r *Ring) Full() bool {
	m := r.MaxItems()
	return m > 0 && r.Len() >= m
}

// Closed reports whether Close was called.
func (r *Ring) Closed() bool { return atomic.LoadUint32(r.u32(offClosed)) != 0 }

// Close refuses further puts; consumers drain what is there, then get
// ErrClosed. Everyone waiting wakes.
func (r *Ring) Close() {
	atomic.StoreUint32(r.u32(offClosed), 1)
	r.wakeConsumers(true)
	r.wakeProducers(true)
}

// Nudge wakes everyone sleeping on the ring so that they look again (at a
// peer that may be gone, say).
func (r *Ring) Nudge() {
	r.wakeConsumers(true)
	r.wakeProducers(true)
}

func (r *Ring) wakeConsumers(force bool) { wake(r.u32(offDataSeq), r.u32(offConsSleep), force) }

func (r *Ring) wakeProducers(force bool) { wake(r.u32(offSpaceSeq), r.u32(offProdSleep), force) }

// wake wakes everyone sleeping on seq if the sleepers word says someone
// may be. The word is a flag, not a count: a sleeper sets it before its
// last look at the ring, and the first waker to see it set clears it and
// wakes them all. A sleeper that takes a while to get back on a core thus
// costs one futex_wake, not one for every frame committed meanwhile.
func wake(seq, sleepers *uint32, force bool) {
	if force || atomic.LoadUint32(sleepers) != 0 && atomic.SwapUint32(sleepers, 0) != 0 {
		atomic.AddUint32(seq, 1)
		futex.Wake(seq, 1<<30)
	}
}

// Options for one Put or Get.
type Options struct {
	NoWait bool   // fail at once (ErrFull, ErrEmpty) instead of waiting
	Flags  uint16 // for a Put: given to the consumer with the item
	// Spin is how long a Get polls before it sleeps on the futex (default
	// lockword.LockSpin): longer for request-reply traffic, where the
	// answer usually comes within a few microseconds.
	Spin time.Duration
	// PeerGone reports that the other side is gone for good (a pipe's
	// other end is closed everywhere): a Get of an empty ring, or a Put
	// waiting for room, then ends with ErrPeerGone. It is checked while
	// they wait.
	PeerGone func() bool
	// BeforeCommit, for a Put, runs with the producer lock held, after the
	// item is written and before it is visible: things sent beside the
	// item then arrive in the order of the items.
	BeforeCommit func() error
	// Grow, for a Put on a ring made with a spill, writes the item to the
	// spill when the ring has no room for it, rather than wait for room
	// without end: the Put waits only while consumers are taking items,
	// and not at all with NoWait (see awaitRingRoom). It then waits only
	// for the item limit, and for a spill grown to its whole size.
	Grow bool
}

// ErrPeerGone ends a Get whose Options.PeerGone reported true.
var ErrPeerGone = errors.New("mproc: the other end is gone")

// waitErr is the error for a wait that ctx ended: ctx's error, and at a
// deadline also what CPython raises at a timeout (Full, Empty). A
// cancelled wait is only cancelled.
func waitErr(sentinel error, ctx context.Context) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w (%w)", sentinel, err)
	}
	return err
}

// lock takes a ring lock; a nowait caller waits only briefly (a holder that
// keeps it longer is waiting for room or data itself).
func lock(ctx context.Context, w *uint32, nowait bool, busy error) error {
	if ok, died := lockword.TryLock(w); ok {
		if died {
			return lockword.ErrOwnerDead
		}
		return nil
	}
	if nowait {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, nowaitLockWait)
		defer cancel()
	}
	err := lockword.Lock(ctx, w)
	if err != nil && !errors.Is(err, lockword.ErrOwnerDead) {
		if nowait {
			return busy
		}
		return waitErr(busy, ctx)
	}
	return err
}

const nowaitLockWait = 5 * time.Millisecond

// Put adds payload as one item.
func (r *Ring) Put(ctx context.Context, payload []byte, o Options) error {
	if len(payload) > MaxItem {
		return fmt.Errorf("mproc: item of %d bytes, at most %d", len(payload), MaxItem)
	}
	w := r.u32(offProdLock)
	switch err := lock(ctx, w, o.NoWait, ErrFull); {
	case errors.Is(err, lockword.ErrOwnerDead):
		r.recoverProducer()
		if err := r.abandonUnfinished(ctx); err != nil {
			lockword.Unlock(w)
			return err
		}
	case err != nil:
		return err
	}
	err := r.put(ctx, payload, o)
	lockword.Unlock(w)
	return err
}

// recoverProducer settles the commit a dead producer was in the middle of,
// in the ring and in the spill.
func (r *Ring) recoverProducer() {
	r.recoverRingProducer()
	if r.sp != nil {
		r.recoverSpillProducer()
	}
}

// recoverRingProducer settles a ring commit: if its frame's stamp was
// stored, the frame is visible and may have been consumed already, so the
// tail moves past it; if not, an item it counted is uncounted.
func (r *Ring) recoverRingProducer() {
	tail := *r.u64(offTail)
	if atomic.LoadUint64(r.stamp(tail)) != tail+1 { // commit clears the word at the tail
		if *r.u64(offPrevTail) == tail {
			*r.u64(offPuts) = *r.u64(offPrevPuts) // an item counted but never published
		}
		return
	}
	n := binary.LittleEndian.Uint32(r.at(tail)[8:])
	*r.u64(offTail) = tail + frameSize(int(n))
	r.wakeConsumers(true)
}

// recoverConsumer finishes the consume a dead consumer was in the middle
// of: once the head moved, the item count must follow.
func (r *Ring) recoverConsumer() {
	r.settleHead(offHead)
	r.settleHead(offSpillHead)
}

// abandonUnfinished tells consumers that a dead producer's unfinished item
// will not be finished; the producer lock is held.
func (r *Ring) abandonUnfinished(ctx context.Context) error {
	if atomic.LoadUint32(r.u32(offChunking)) == 0 {
		return nil
	}
	r.abandonChunks(ctx)
	return nil
}

func (r *Ring) put(ctx context.Context, payload []byte, o Options) error {
	if r.Closed() {
		return ErrClosed
	}
	if !r.itemRoom() {
		if err := r.awaitRoom(ctx, 0, true, o); err != nil {
			return err
		}
	}
	if len(payload) > r.maxPayload() {
		return r.putChunks(ctx, payload, o)
	}
	need := frameSize(len(payload))
	to := toRing
	if !r.ringRoom(need + stampSlack) {
		var err error
		if to, err = r.place(ctx, need, stampSlack, o); err != nil {
			return err
		}
	}
	if to == toRing { // most puts: no call between the room and the copy
		r.writeFrame2(kindWhole, o.Flags, nil, payload)
	} else if err := r.writeSpill(kindWhole, o.Flags, nil, payload); err != nil {
		return err
	}
	if o.BeforeCommit != nil {
		if err := o.BeforeCommit(); err != nil {
			return err
		}
	}
	r.commitTo(to, need, true)
	return nil
}

// ringRoom reports, for most puts, that their frame of need bytes goes in
// the ring at once, without a look at what place weighs.
func (r *Ring) ringRoom(need uint64) bool {
	tail := atomic.LoadUint64(r.u64(offTail))
	if r.sp == nil {
		return r.hasRoom(tail, need)
	}
	return !r.spilling() && r.sp.prod.Load() == nil && r.hasRoom(tail, need+linkRoom)
}

// putChunks writes a large item as chunks, each visible as soon as it is
// written so that consumers drain the ring while the rest comes.
func (r *Ring) putChunks(ctx context.Context, payload []byte, o Options) error {
	var total [8]byte
	binary.LittleEndian.PutUint64(total[:], uint64(len(payload)))
	first := true
	for len(payload) > 0 || first {
		n := min(len(payload), r.chunkPayload())
		kind := uint16(kindMid)
		switch {
		case first:
			kind = kindFirst
		case n == len(payload):
			kind = kindLast
		}
		size := n
		if first {
			size += 8
		}
		need := frameSize(size)
		// Past the first chunk, a consumer is assembling this item: waiting
		// is all a deadline can interrupt, so it aborts the item. A TryPut
		// gives consumers a moment for each later chunk, then gives up.
		wait, wctx := o, ctx
		if o.NoWait && !first {
			wait.NoWait = false
			var cancel context.CancelFunc
			wctx, cancel = context.WithTimeout(ctx, nowaitChunkWait)
			defer cancel()
		}
		to, err := r.place(wctx, need, abortRoom, wait)
		if err == nil {
			if first {
				err = r.write(to, kind, o.Flags, total[:], payload[:n])
			} else {
				err = r.write(to, kind, 0, nil, payload[:n])
			}
		}
		if err != nil {
			if !first {
				r.abandonChunks(ctx)
				if o.NoWait && errors.Is(err, ErrFull) {
					return ErrFull
				}
			}
			return err
		}
		if first {
			atomic.StoreUint32(r.u32(offChunking), 1)
		}
		payload = payload[n:]
		last := kind == kindLast
		if last {
			if o.BeforeCommit != nil {
				if err := o.BeforeCommit(); err != nil {
					r.abandonChunks(context.WithoutCancel(ctx))
					return err
				}
			}
			atomic.StoreUint32(r.u32(offChunking), 0)
		}
		r.commitTo(to, need, last)
		first = false
	}
	return nil
}

// abandonChunks cuts the item being chunked short, where its chunks go.
// Every chunk left room for the abort frame (abortRoom, spillReserve), so
// this never waits.
func (r *Ring) abandonChunks(ctx context.Context) {
	to := toRing
	if r.spilling() {
		to = toSpill
		if r.spillPad(frameSize(0)) != nil {
			return // the spill can't be mapped: its consumers find the producer dead
		}
	}
	if r.write(to, kindAbort, 0, nil, nil) == nil {
		r.commitTo(to, frameSize(0), false)
	}
	atomic.StoreUint32(r.u32(offChunking), 0)
}

// nowaitChunkWait is how long a TryPut of a large item waits for room for
// each chunk after the first: the consumers are draining it meanwhile.
const nowaitChunkWait = 100 * time.Millisecond

// awaitRoom waits, with the producer lock held, until need bytes are free
// (or, for items, until the item limit allows one more).
func (r *Ring) awaitRoom(ctx context.Context, need uint64, items bool, o Options) error {
	tail := atomic.LoadUint64(r.u64(offTail))
	room := func() bool {
		if items {
			return r.itemRoom()
		}
		return r.hasRoom(tail, need)
	}
	return r.awaitSpace(ctx, room, o, lockword.OwnerPoll)
}

// itemRoom reports whether the item limit allows one more item.
func (r *Ring) itemRoom() bool {
	m := atomic.LoadUint64(r.u64(offMaxItems))
	if m == 0 {
		return true
	}
	puts := r.puts()
	if puts-r.seenGets.Load() < m {
		return true
	}
	g := r.gets()
	r.seenGets.Store(g)
	return puts-g < m
}

// hasRoom reports whether need bytes are free past tail.
func (r *Ring) hasRoom(tail, need uint64) bool {
	// The head seen may be from long ago (this process last put laps
	// ago, or never): then it says nothing.
	if used := tail - r.seenHead.Load(); used <= r.size && r.size-used >= need {
		return true
	}
	h := atomic.LoadUint64(r.u64(offHead))
	r.seenHead.Store(h)
	return r.size-(tail-h) >= need
}

// awaitSpace waits, with the producer lock held, until room reports true,
// looking again at least every poll.
func (r *Ring) awaitSpace(ctx context.Context, room func() bool, o Options, poll time.Duration) error {
	if room() {
		return nil
	}
	if o.NoWait {
		return ErrFull
	}
	if lockword.Spin(room) {
		return nil
	}
	seq, sleepers := r.u32(offSpaceSeq), r.u32(offProdSleep)
	stop := lockword.WakeOnDone(ctx, seq)
	defer stop()
	for {
		ok := r.napFor(ctx, seq, sleepers, room, false, poll)
		switch {
		case ok:
			return nil
		case r.Closed():
			return ErrClosed
		case o.PeerGone != nil && o.PeerGone():
			return ErrPeerGone
		case ctx.Err() != nil:
			return waitErr(ErrFull, ctx)
		}
	}
}

func (r *Ring) at(pos uint64) []byte { return r.mem[pos&(r.size-1):] }

// writeFrame2 writes a frame past the tail whose payload is a then b, all
// but its stamp: not yet visible.
func (r *Ring) writeFrame2(kind, flags uint16, a, b []byte) {
	putFrame(r.at(atomic.LoadUint64(r.u64(offTail))), kind, flags, a, b)
}

// putFrame writes a frame at dst, all but its stamp.
func putFrame(dst []byte, kind, flags uint16, a, b []byte) {
	binary.LittleEndian.PutUint32(dst[8:], uint32(len(a)+len(b)))
	binary.LittleEndian.PutUint16(dst[12:], kind)
	binary.LittleEndian.PutUint16(dst[14:], flags)
	copy(dst[headerSize+copy(dst[headerSize:], a):], b)
}

// stamp is the word at the start of the frame at pos.
func (r *Ring) stamp(pos uint64) *uint64 {
	return (*uint64)(unsafe.Pointer(&r.mem[pos&(r.size-1)]))
}

// commit makes the frame just written visible; item is true when it ends an
// item.
func (r *Ring) commit(size uint64, item bool) {
	// Only producers write puts and tail, under their lock: plain stores of
	// whole words (readers never see a torn one), ordered by the stamp's
	// store and the lock's release. An atomic store is a locked XCHG on
	// amd64, and each costs the put about 5 ns.
	//
	// The count goes up before the stamp: a consumer that takes the item
	// and calls TaskDone must find it counted. A producer that dies in
	// between leaves its successor the count from before, and the tail it
	// was for, to undo it (recoverProducer); one that dies after the stamp
	// leaves it the tail to move.
	puts, tail := *r.u64(offPuts), *r.u64(offTail)
	*r.u64(offPrevPuts) = puts
	*r.u64(offPrevTail) = tail
	if item {
		*r.u64(offPuts) = puts + 1 // for a joinable ring, also one more unfinished
	}
	*r.stamp(tail + size) = 0                 // the next stamp's word: see stampSlack
	atomic.StoreUint64(r.stamp(tail), tail+1) // the single store that publishes it
	*r.u64(offTail) = tail + size
	r.wakeConsumers(false)
}

// Get takes the next item and passes its payload and flags to fn, which
// must not keep the payload: the bytes are the ring's own until fn returns.
// fn's error is Get's. A deadline that passes while a large item is half
// taken does not cut it: Get waits on for the rest, which its producer is
// writing (a dead producer's item is dropped), so no item is lost to a
// timeout.
func (r *Ring) Get(ctx context.Context, o Options, fn func(payload []byte, flags uint16) error) error {
	w := r.u32(offConsLock)
	switch err := lock(ctx, w, o.NoWait, ErrEmpty); {
	case errors.Is(err, lockword.ErrOwnerDead):
		r.recoverConsumer()
	case err != nil:
		return err
	}
	defer lockword.Unlock(w)
	var a assembly
	for {
		head := atomic.LoadUint64(r.u64(offHead))
		if err := r.awaitData(ctx, o, r.stamp(head), head+1, &a); err != nil {
			return err
		}
		frame := r.at(head)
		n := uint64(binary.LittleEndian.Uint32(frame[8:]))
		if n > uint64(r.maxPayload())+8 {
			return fmt.Errorf("%w: frame of %d bytes at %d", ErrCorrupt, n, head)
		}
		switch binary.LittleEndian.Uint16(frame[12:]) {
		case kindWhole: // most items: no call between the frame and fn
			err := fn(frame[headerSize:headerSize+n], binary.LittleEndian.Uint16(frame[14:]))
			r.consume(frameSize(int(n)), true)
			return err
		case kindLink:
			if done, err := r.getSpilled(ctx, o, frame, &a, fn); done {
				return err
			}
		default:
			if done, err := r.take(false, frame, &a, fn); done {
				return err
			}
		}
	}
}

// consume moves the head past a frame; item is true when the frame ends an
// item.
func (r *Ring) consume(size uint64, item bool) {
	r.advanceHead(offHead, size, item)
	r.wakeProducers(false)
}

// Each consuming side (the ring's words at offHead, the spill's at
// offSpillHead) keeps four words in this order: its head, its item count,
// and the two a consume in progress sets.
const (
	sideGets     = 8
	sidePendHead = 16
	sidePendGets = 24
)

// The layout above, checked at compile time.
var (
	_ = [1]struct{}{}[offGets-offHead-sideGets]
	_ = [1]struct{}{}[offPendHead-offHead-sidePendHead]
	_ = [1]struct{}{}[offPendGets-offHead-sidePendGets]
	_ = [1]struct{}{}[offSpillGets-offSpillHead-sideGets]
	_ = [1]struct{}{}[offSpillPendHead-offSpillHead-sidePendHead]
	_ = [1]struct{}{}[offSpillPendGets-offSpillHead-sidePendGets]
)

// advanceHead moves the head of the side whose words start at base past a
// frame (item: the frame ends an item) and returns the new head. These are
// the consumers' own words, under their lock; see commit. A consumer that
// dies between the head and the count leaves the count to its successor
// (settleHead).
func (r *Ring) advanceHead(base int, size uint64, item bool) uint64 {
	gets := *r.u64(base + sideGets)
	if item {
		gets++
	}
	head := *r.u64(base) + size
	*r.u64(base + sidePendGets) = gets
	*r.u64(base + sidePendHead) = head
	// Atomic: the head must be visible before wakeProducers looks at the
	// sleepers flag, or a producer that just went to sleep is missed.
	atomic.StoreUint64(r.u64(base), head)
	*r.u64(base + sideGets) = gets
	return head
}

// settleHead finishes, for the side at base, the consume a dead consumer
// was in the middle of: once the head moved, the item count must follow.
func (r *Ring) settleHead(base int) {
	if atomic.LoadUint64(r.u64(base)) == *r.u64(base + sidePendHead) {
		*r.u64(base + sideGets) = *r.u64(base + sidePendGets)
	}
}

// awaitData waits, with the consumer lock held, until the frame whose
// stamp is st is there: until st holds want.
func (r *Ring) awaitData(ctx context.Context, o Options, st *uint64, want uint64, a *assembly) error {
	ready := func() bool { return atomic.LoadUint64(st) == want }
	if ready() {
		return nil
	}
	empty := func() error {
		switch {
		case r.Closed() && !ready():
			return ErrClosed
		case o.PeerGone != nil && !ready() && o.PeerGone():
			return ErrPeerGone
		}
		return nil
	}
	if o.NoWait && !a.on {
		if err := empty(); err != nil {
			return err
		}
		return ErrEmpty
	}
	if r.Closed() {
		return empty()
	}
	spin := o.Spin
	if spin == 0 {
		spin = lockword.LockSpin
	}
	// PeerGone is asked only once the spin is over: it may be a system
	// call (a pipe polls its socket), which cost a pipe's round trip two
	// of them while the reply was microseconds away.
	if lockword.SpinFor(ready, spin) {
		return nil
	}
	if err := empty(); err != nil {
		return err
	}
	seq, sleepers := r.u32(offDataSeq), r.u32(offConsSleep)
	stop := lockword.WakeOnDone(ctx, seq)
	defer stop()
	for {
		// Half an item is consumed already: a deadline no longer cuts the
		// wait for the rest, which would lose the item; a live producer is
		// writing it, and a dead one's is dropped.
		if r.nap(ctx, seq, sleepers, ready, a.on) {
			return nil
		}
		if a.on && r.producerDied() {
			a.reset() // its item will never end: drop it
			if o.NoWait {
				return ErrEmpty
			}
		}
		if err := empty(); err != nil {
			return err
		}
		if ctx.Err() != nil && !a.on {
			return waitErr(ErrEmpty, ctx)
		}
	}
}

// Ready reports, without waiting or locking, that an item is there to get
// (on a ring that grows, a link to the spill counts as one).
func (r *Ring) Ready() bool {
	head := atomic.LoadUint64(r.u64(offHead))
	return atomic.LoadUint64(r.stamp(head)) == head+1
}

// Readable waits until an item is there to get, without getting it, and
// reports true (on a ring that grows, a link to the spill counts as one); or false when the ring is closed and empty or the peer is
// gone (a Get would not wait then either). It returns ctx's error when ctx
// ends first.
func (r *Ring) Readable(ctx context.Context, peerGone func() bool, spin time.Duration) (bool, error) {
	ready := r.Ready
	over := func() bool { return r.Closed() || peerGone != nil && peerGone() }
	if ready() {
		return true, nil
	}
	if r.Closed() || spin == 0 && over() {
		return false, nil
	}
	if lockword.SpinFor(ready, spin) { // peerGone after it: see awaitData
		return true, nil
	}
	if over() {
		return false, nil
	}
	seq, sleepers := r.u32(offDataSeq), r.u32(offConsSleep)
	stop := lockword.WakeOnDone(ctx, seq)
	defer stop()
	for {
		switch {
		case r.nap(ctx, seq, sleepers, ready, false):
			return true, nil
		case over():
			return false, nil
		case ctx.Err() != nil:
			return false, ctx.Err()
		}
	}
}

// nap sleeps on seq until a waker comes (or a poll's time passes), unless
// cond holds already, the ring is closed, or ctx has ended (evenIfDone:
// sleep a poll's time then too); it reports cond. The sleepers flag is set
// before the last look at cond, so a waker either is seen or sees it.
func (r *Ring) nap(ctx context.Context, seq, sleepers *uint32, cond func() bool, evenIfDone bool) bool {
	return r.napFor(ctx, seq, sleepers, cond, evenIfDone, lockword.OwnerPoll)
}

// napFor is nap for at most poll.
func (r *Ring) napFor(ctx context.Context, seq, sleepers *uint32, cond func() bool, evenIfDone bool, poll time.Duration) bool {
	s := atomic.LoadUint32(seq)
	atomic.StoreUint32(sleepers, 1) // a flag: see wake
	if cond() {
		return true
	}
	if r.Closed() || ctx.Err() != nil && !evenIfDone {
		return false
	}
	d := poll
	if ctx.Err() == nil {
		d = lockword.SleepTime(ctx, d)
	}
	futex.Wait(seq, s, d)
	return cond()
}

// producerDied reports, while a consumer assembles an item, that the
// producer writing it died; it then takes the producer lock over and leaves
// the ring clean for the next producer.
func (r *Ring) producerDied() bool {
	w := r.u32(offProdLock)
	ok, died := lockword.TryLock(w)
	if !ok {
		return false
	}
	defer lockword.Unlock(w)
	if !died {
		return false // a live producer is between chunks: keep waiting
	}
	r.recoverProducer()
	atomic.StoreUint32(r.u32(offChunking), 0)
	return true
}

// TaskDone marks one item as processed (JoinableQueue's task_done). The
// ring must have been made by NewJoinable.
//
// Unfinished items are the items put (offPuts, which producers count
// anyway) less those marked done (offDone, the consumers' own line): with
// one counter that both sides changed for every item, that cache line went
// back and forth between producer and consumer, and its increment was most
// of a joinable Put.
func (r *Ring) TaskDone() error {
	w := r.u64(offDone)
	for {
		d := atomic.LoadUint64(w)
		if d >= r.seenPuts.Load() {
			r.seenPuts.Store(r.puts())
			if d >= r.seenPuts.Load() {
				return ErrTaskDone
			}
		}
		if atomic.CompareAndSwapUint64(w, d, d+1) {
			// Join sets its flag before its last look at offDone, so either
			// it sees this increment or this sees its flag.
			if atomic.LoadUint32(r.u32(offJoinSleep)) != 0 && d+1 == r.puts() {
				wake(r.u32(offJoinSeq), r.u32(offJoinSleep), false)
			}
			return nil
		}
	}
}

// Unfinished is the number of items put and not yet marked done.
func (r *Ring) Unfinished() int {
	d := atomic.LoadUint64(r.u64(offDone))
	p := r.puts()
	if p < d {
		return 0
	}
	return int(p - d)
}

// Join waits until every item put has been marked done.
func (r *Ring) Join(ctx context.Context) error {
	seq, sleepers := r.u32(offJoinSeq), r.u32(offJoinSleep)
	done := func() bool { return r.Unfinished() == 0 }
	if done() || lockword.Spin(done) {
		return nil
	}
	stop := lockword.WakeOnDone(ctx, seq)
	defer stop()
	for {
		s := atomic.LoadUint32(seq)
		atomic.StoreUint32(sleepers, 1) // a flag: see wake
		if done() {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		futex.Wait(seq, s, lockword.SleepTime(ctx, 0))
	}
}
