package ring

import (
	"encoding/binary"
	"fmt"
)

// assembly is a Get's item in the making: the chunks of a large item got
// so far, from the ring or the spill (an item may start in one and end in
// the other).
type assembly struct {
	on      bool
	partial []byte
	total   uint64
	flags   uint16
}

func (a *assembly) reset() { a.on, a.partial = false, nil }

// take handles the frame at the head of the ring, or of the spill if
// inSpill; done reports that the Get is over, with err.
func (r *Ring) take(inSpill bool, frame []byte, a *assembly, fn func([]byte, uint16) error) (done bool, err error) {
	n := uint64(binary.LittleEndian.Uint32(frame[8:]))
	if n > uint64(r.maxPayload())+8 || headerSize+n > uint64(len(frame)) {
		return true, fmt.Errorf("%w: frame of %d bytes", ErrCorrupt, n)
	}
	kind := binary.LittleEndian.Uint16(frame[12:])
	flags := binary.LittleEndian.Uint16(frame[14:])
	size := frameSize(int(n))
	payload := frame[headerSize : headerSize+n]
	switch kind {
	case kindWhole:
		err := fn(payload, flags)
		r.advance(inSpill, size, true)
		return true, err
	case kindFirst:
		if n < 8 || binary.LittleEndian.Uint64(payload) > MaxItem {
			return true, fmt.Errorf("%w: bad first chunk", ErrCorrupt)
		}
		a.total = binary.LittleEndian.Uint64(payload)
		a.flags = flags
		a.partial = append(make([]byte, 0, min(a.total, 1<<20)), payload[8:]...)
		a.on = true
		r.advance(inSpill, size, false)
	case kindMid, kindLast:
		last := kind == kindLast
		if !a.on { // the rest of an item whose consumer died: drop it
			r.advance(inSpill, size, last)
			return false, nil
		}
		a.partial = append(a.partial, payload...)
		r.advance(inSpill, size, last)
		if !last {
			return false, nil
		}
		if uint64(len(a.partial)) != a.total {
			return true, fmt.Errorf("%w: item of %d bytes announced as %d", ErrCorrupt, len(a.partial), a.total)
		}
		return true, fn(a.partial, a.flags)
	case kindAbort:
		a.reset()
		r.advance(inSpill, size, false)
	default:
		return true, fmt.Errorf("%w: frame kind %d", ErrCorrupt, kind)
	}
	return false, nil
}

// advance moves the head of the ring or of the spill past a frame.
func (r *Ring) advance(inSpill bool, size uint64, item bool) {
	if inSpill {
		r.consumeSpill(size, item)
	} else {
		r.consume(size, item)
	}
}
