package ring

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"mproc/internal/lockword"
	"mproc/internal/shm"
)

// A ring made with a spill grows instead of making a put wait for room.
//
// When the ring is full and its consumers have stalled (awaitRingRoom), a
// put that may grow (Options.Grow) commits a link frame in the ring,
// naming the spill's tail, and writes its item there instead; the spill is
// open. Puts then go to the spill while the consumers stay stalled, until
// the ring has room for an item again: that put writes a seal frame at the
// spill's tail and goes back to the ring, after the link. A consumer that comes to the link reads the spill up to the
// seal, then goes on in the ring after the link, so every producer's items
// come out in the order put.
//
// The spill is a sparse segment (a memfd far larger than the machine's
// memory) that every process sharing the ring received with it, so no
// descriptor has to travel when it grows. Its frames are the ring's, by
// ever-growing position, but a frame never crosses an extent, the unit the
// spill is mapped in: a pad frame fills the rest of one. Consumers give
// back the memory of the pages behind them (fallocate's PUNCH_HOLE) every
// eighth of an extent and when they leave a spill, and producers count
// the spill's room from what was given back, so a frame never lands on a
// page about to be punched.
//
// Each side's words are its own and recover like the ring's: the spill
// has its own tail, head and item counts, committed by the spill frame's
// stamp and its head. What a process needs to know of the spill's state
// is read from them: a spill is open while the ring's last frame is a
// link and the spill has no seal from after it; consumers leave the seal
// in the spill until the next link, so that its position tells one that
// comes back to a link whether that link's spill is over.

// SpillAfter is how long a put that may grow waits, on a full ring, for a
// consumer to take something before it goes on in the spill (see
// awaitRingRoom).
const SpillAfter = time.Millisecond

const (
	linkSize = headerSize + 8 // a link frame: its payload is the spill position it sends consumers to
	// linkRoom is the room every frame of a ring that grows leaves free,
	// so that a link always fits.
	linkRoom = linkSize + stampSlack
	// spillReserve is the room every frame in the spill leaves free: for
	// an abort frame and a seal, each perhaps after a pad.
	spillReserve = 128
)

// target is where a frame goes.
type target uint8

const (
	toRing target = iota
	toSpill
)

// Spilled is what the spill holds that consumers have not got yet, in
// bytes (a snapshot).
func (r *Ring) Spilled() int {
	head := atomic.LoadUint64(r.u64(offSpillHead))
	tail := atomic.LoadUint64(r.u64(offSpillTail))
	if r.sp == nil || tail < head {
		return 0
	}
	return int(tail - head)
}

// place decides where the next frame of a put goes, a frame of need bytes
// that leaves reserve more free in the ring, and makes room for it there.
// The ring when it has room, closing an open spill; else, for a put that
// may grow, the spill when consumers have stalled (see awaitRingRoom);
// else the ring, once consumers make room.
func (r *Ring) place(ctx context.Context, need, reserve uint64, o Options) (target, error) {
	if r.sp == nil {
		return toRing, r.awaitRoom(ctx, need+reserve, false, o)
	}
	ringNeed := need + reserve + linkRoom
	open := r.spilling()
	if !open && r.sp.prod.Load() != nil {
		r.sp.drop(&r.sp.prod) // a spill this process wrote to is closed
	}
	room := r.hasRoom(atomic.LoadUint64(r.u64(offTail)), ringNeed)
	if !room && !(open && o.Grow && (o.NoWait || r.consumed() == *r.u64(offStall))) {
		var err error
		if room, err = r.awaitRingRoom(ctx, ringNeed, o); err != nil {
			return toRing, err
		}
	}
	switch {
	case room && open:
		return toRing, r.seal()
	case room:
		return toRing, nil
	case !open:
		r.link()
	}
	*r.u64(offStall) = r.consumed()
	return toSpill, r.spillRoom(ctx, need, o)
}

// awaitRingRoom waits for ringNeed bytes of room in the ring and reports
// whether it came. A put that may not grow waits as long as ctx allows. One
// that may waits while consumers are taking what is in the queue, and
// reports false once none has for SpillAfter and none is in a Get (or at
// once for NoWait, or when ctx ends): then it grows. A consumer that keeps up thus keeps the
// items in the ring, several times faster than the spill (whose pages are
// new memory each time); only what is put while consumers stall goes to
// the spill, and a put whose consumers went away, or wait for it, loses a
// millisecond, once: the puts after it find the consumers where they were
// (offStall) and go on in the spill without waiting.
func (r *Ring) awaitRingRoom(ctx context.Context, ringNeed uint64, o Options) (bool, error) {
	if !o.Grow {
		return true, r.awaitRoom(ctx, ringNeed, false, o)
	}
	if o.NoWait {
		return false, nil
	}
	// One wait, not one per SpillAfter: a context and timer for each cost
	// a put of a large item on a full ring a third of its speed.
	tail := atomic.LoadUint64(r.u64(offTail))
	seen, since, stalled := r.consumed(), time.Now(), false
	room := func() bool {
		if r.hasRoom(tail, ringNeed) {
			return true
		}
		if time.Since(since) < SpillAfter {
			return false
		}
		if c := r.consumed(); c != seen || r.consumerBusy() {
			seen, since = c, time.Now()
			return false
		}
		stalled = true
		return true
	}
	err := r.awaitSpace(ctx, room, o, SpillAfter)
	switch {
	case errors.Is(err, ErrClosed) || errors.Is(err, ErrPeerGone):
		return false, err
	case err != nil: // ctx ended: grow rather than fail
		return false, nil
	}
	return !stalled, nil
}

// consumerBusy reports that a live process is in the middle of a Get.
// With the ring full, it has frames to take and takes them: it is only
// slow (a large item, a page fault, a core it waits for), so a put waits
// for it.
func (r *Ring) consumerBusy() bool {
	v := atomic.LoadUint32(r.u32(offConsLock))
	return v != 0 && lockword.PidAlive(int(v&lockword.PidMask))
}

// consumed is how far consumers have read, in the ring and the spill: it
// grows with every frame they take.
func (r *Ring) consumed() uint64 {
	return atomic.LoadUint64(r.u64(offHead)) + atomic.LoadUint64(r.u64(offSpillHead))
}

// spilling reports, with the producer lock held, whether a spill is open:
// the ring's last frame is a link, and the spill has no seal committed
// since.
func (r *Ring) spilling() bool {
	ll := *r.u64(offLastLink)
	if ll == 0 || ll-1+linkSize != *r.u64(offTail) {
		return false
	}
	ls := *r.u64(offLastSeal)
	return ls == 0 || ls-1 < *r.u64(offLinkStart) || ls-1 >= *r.u64(offSpillTail)
}

// link opens a spill at its tail. Every frame before it left room for it
// (linkRoom).
func (r *Ring) link() {
	start := *r.u64(offSpillTail)
	var p [8]byte
	binary.LittleEndian.PutUint64(p[:], start)
	*r.u64(offLinkStart) = start
	*r.u64(offLastLink) = *r.u64(offTail) + 1
	r.writeFrame2(kindLink, 0, nil, p[:])
	r.commit(linkSize, false)
}

// seal closes the open spill. Every frame in it left room for the seal
// (spillReserve).
func (r *Ring) seal() error {
	if err := r.spillPad(frameSize(0)); err != nil {
		return err
	}
	tail := *r.u64(offSpillTail)
	if err := r.write(toSpill, kindSeal, 0, nil, nil); err != nil {
		return err
	}
	*r.u64(offLastSeal) = tail + 1
	r.commitSpill(frameSize(0), false)
	r.sp.drop(&r.sp.prod)
	return nil
}

// spillRoom waits, with the producer lock held, until the spill has room
// for a frame of need bytes, and pads to the next extent if the frame
// would not fit in this one. Only a spill grown to its whole size waits.
func (r *Ring) spillRoom(ctx context.Context, need uint64, o Options) error {
	tail := *r.u64(offSpillTail)
	total := r.padFor(tail, need) + need + spillReserve
	room := func() bool {
		return r.sp.size-(tail-atomic.LoadUint64(r.u64(offSpillPunched))) >= total
	}
	if err := r.awaitSpace(ctx, room, o, lockword.OwnerPoll); err != nil {
		return err
	}
	return r.spillPad(need)
}

// padFor is the pad a frame of need bytes at the spill position tail needs
// first: a frame leaves room for a pad's header before its extent ends.
func (r *Ring) padFor(tail, need uint64) uint64 {
	off := tail % r.sp.ext
	if off+need+headerSize > r.sp.ext {
		return r.sp.ext - off
	}
	return 0
}

// spillPad commits a pad frame to the end of the extent if a frame of
// need bytes would not fit in it.
func (r *Ring) spillPad(need uint64) error {
	tail := *r.u64(offSpillTail)
	pad := r.padFor(tail, need)
	if pad == 0 {
		return nil
	}
	frame, err := r.sp.at(&r.sp.prod, tail)
	if err != nil {
		return err
	}
	putFrame(frame, kindPad, 0, nil, nil)
	binary.LittleEndian.PutUint32(frame[8:], uint32(pad-headerSize))
	r.commitSpill(pad, false)
	return nil
}

// write writes a frame at the tail of the ring or of the spill, all but
// its stamp.
func (r *Ring) write(to target, kind, flags uint16, a, b []byte) error {
	if to == toRing {
		r.writeFrame2(kind, flags, a, b)
		return nil
	}
	return r.writeSpill(kind, flags, a, b)
}

// writeSpill writes a frame at the spill's tail, all but its stamp.
func (r *Ring) writeSpill(kind, flags uint16, a, b []byte) error {
	frame, err := r.sp.at(&r.sp.prod, *r.u64(offSpillTail))
	if err != nil {
		return err
	}
	putFrame(frame, kind, flags, a, b)
	return nil
}

// commitTo makes the frame just written visible.
func (r *Ring) commitTo(to target, size uint64, item bool) {
	if to == toRing {
		r.commit(size, item)
	} else {
		r.commitSpill(size, item)
	}
}

// commitSpill is commit for the frame just written at the spill's tail,
// which write or spillPad mapped.
func (r *Ring) commitSpill(size uint64, item bool) {
	puts, tail := *r.u64(offSpillPuts), *r.u64(offSpillTail)
	*r.u64(offSpillPrevPuts) = puts
	*r.u64(offSpillPrevTail) = tail
	if item {
		*r.u64(offSpillPuts) = puts + 1
	}
	frame := r.sp.prod.Load().mem[tail%r.sp.ext:]
	if next := tail + size; next%r.sp.ext == 0 {
		r.sp.zeroWord(next) // after a pad: the next extent's first word
	} else {
		*stampOf(frame[size:]) = 0
	}
	atomic.StoreUint64(stampOf(frame), tail+1)
	*r.u64(offSpillTail) = tail + size
	r.wakeConsumers(false)
}

// recoverSpillProducer is recoverRingProducer for the spill.
func (r *Ring) recoverSpillProducer() {
	if *r.u64(offLastLink) == 0 {
		return // never grown
	}
	tail := *r.u64(offSpillTail)
	frame, err := r.sp.at(&r.sp.prod, tail)
	if err != nil {
		return
	}
	if atomic.LoadUint64(stampOf(frame)) != tail+1 {
		if *r.u64(offSpillPrevTail) == tail {
			*r.u64(offSpillPuts) = *r.u64(offSpillPrevPuts)
		}
		return
	}
	size := frameSize(int(binary.LittleEndian.Uint32(frame[8:])))
	*r.u64(offSpillTail) = tail + min(size, r.sp.ext-tail%r.sp.ext)
	r.wakeConsumers(true)
}

// getSpilled reads the spill that the link frame at the ring's head sends
// consumers to, up to its seal, then moves the ring's head past the link;
// done reports that the Get is over, with err.
func (r *Ring) getSpilled(ctx context.Context, o Options, link []byte, a *assembly, fn func([]byte, uint16) error) (done bool, err error) {
	if r.sp == nil || binary.LittleEndian.Uint32(link[8:]) != linkSize-headerSize {
		return true, fmt.Errorf("%w: a link to no spill", ErrCorrupt)
	}
	if err := r.skipSeal(binary.LittleEndian.Uint64(link[headerSize:])); err != nil {
		return true, err
	}
	for {
		pos := atomic.LoadUint64(r.u64(offSpillHead))
		frame, err := r.consAt(pos)
		if err != nil {
			return true, err
		}
		if !a.on && atomic.LoadUint64(stampOf(frame)) != pos+1 && r.closeDrained(pos) {
			continue // the seal is there now
		}
		if err := r.awaitData(ctx, o, stampOf(frame), pos+1, a); err != nil {
			return true, err
		}
		switch binary.LittleEndian.Uint16(frame[12:]) {
		case kindSeal:
			r.leaveSpill(pos)
			return false, nil
		case kindPad:
			size := frameSize(int(binary.LittleEndian.Uint32(frame[8:])))
			if size != r.sp.ext-pos%r.sp.ext {
				return true, fmt.Errorf("%w: a pad of %d bytes at %d", ErrCorrupt, size, pos)
			}
			r.consumeSpill(size, false)
		default:
			done, err := r.take(true, frame, a, fn)
			if done {
				r.leaveIfDrained()
				return true, err
			}
		}
	}
}

// consAt is the consumers' view of the spill from pos, a frame's header
// at least: a position where producers never put a frame (the spill's
// words are any process's to write) is corrupt.
func (r *Ring) consAt(pos uint64) ([]byte, error) {
	if pos%8 != 0 || pos%r.sp.ext > r.sp.ext-headerSize {
		return nil, fmt.Errorf("%w: a spill frame at %d", ErrCorrupt, pos)
	}
	return r.sp.at(&r.sp.cons, pos)
}

// leaveSpill moves the ring's head past the link whose spill's seal is at
// pos, and gives back what this process and the spill hold of it.
func (r *Ring) leaveSpill(pos uint64) {
	r.consume(linkSize, false)
	r.punchTo(pos)
	r.sp.drop(&r.sp.cons)
}

// leaveIfDrained closes the spill and leaves it if a Get just took the
// last item in it: a drained queue then holds no memory for its spill, and
// no process maps it, even if nobody puts or gets again.
func (r *Ring) leaveIfDrained() {
	pos := atomic.LoadUint64(r.u64(offSpillHead))
	if atomic.LoadUint64(r.u64(offSpillTail)) == pos && r.closeDrained(pos) {
		r.leaveSpill(pos)
	}
}

// closeDrained seals the open spill when consumers have got all of it, at
// pos, and no producer is putting: the next items go to the ring, and the
// spill's memory and this process's windows on it are given back now
// rather than at the next put. It reports whether the spill is sealed.
func (r *Ring) closeDrained(pos uint64) bool {
	w := r.u32(offProdLock)
	ok, died := lockword.TryLock(w)
	if !ok {
		return false
	}
	defer lockword.Unlock(w)
	if died {
		r.recoverProducer()
		if atomic.LoadUint32(r.u32(offChunking)) != 0 {
			r.abandonChunks(context.Background())
		}
	}
	if !r.spilling() || *r.u64(offSpillTail) != pos {
		return false
	}
	return r.seal() == nil
}

// skipSeal moves the spill's head to start, where a link's spill begins,
// past the seal of the spill before it if it is still there.
func (r *Ring) skipSeal(start uint64) error {
	head := atomic.LoadUint64(r.u64(offSpillHead))
	if head >= start {
		return nil // the spill of this link, begun already (it may have wrapped since)
	}
	if start-head != frameSize(0) {
		return fmt.Errorf("%w: a link to spill position %d, the spill is at %d", ErrCorrupt, start, head)
	}
	frame, err := r.consAt(head)
	if err != nil {
		return err
	}
	if atomic.LoadUint64(stampOf(frame)) != head+1 || binary.LittleEndian.Uint16(frame[12:]) != kindSeal {
		return fmt.Errorf("%w: no seal before spill position %d", ErrCorrupt, start)
	}
	r.consumeSpill(frameSize(0), false)
	return nil
}

// consumeSpill is consume for the spill's head, with the spill's pending
// words for recoverConsumer; every eighth of an extent it gives back the
// memory consumed.
func (r *Ring) consumeSpill(size uint64, item bool) {
	head := r.advanceHead(offSpillHead, size, item)
	if head-*r.u64(offSpillPunched) >= r.sp.ext/8 {
		r.punchTo(head)
	}
	r.wakeProducers(false)
}

// punchTo gives back the memory of the spill's pages wholly before pos:
// consumers are done with them, and producers, who count the spill's room
// from what was given back, write there again only after.
func (r *Ring) punchTo(pos uint64) {
	from := *r.u64(offSpillPunched)
	to := pos &^ (shm.PageSize - 1)
	if to <= from {
		return
	}
	r.sp.punch(from, to)
	atomic.StoreUint64(r.u64(offSpillPunched), to)
}
