package ring

import (
	"runtime"
	"sync/atomic"
	"unsafe"

	"mproc/internal/shm"
)

// spill is one process's view of the sparse segment a ring grows into: a
// second, far larger ring of frames addressed by ever-growing positions,
// mapped one extent at a time. Producers keep a window on the extent at
// the spill's tail, consumers one on the extent at its head; nothing else
// of it is mapped here, so a process holds the address space of two
// extents at most however large the spill grows.
type spill struct {
	seg        *shm.Segment
	size, ext  uint64 // the segment's bytes and the mapping unit, both powers of two
	prod, cons atomic.Pointer[window]
}

// window is one extent mapped: positions [n*ext, (n+1)*ext).
type window struct {
	n   uint64
	mem []byte
}

func newSpill(seg *shm.Segment, size, ext uint64) *spill {
	return &spill{seg: seg, size: size, ext: ext}
}

// at returns the spill's bytes from pos to the end of its extent, mapping
// the extent in slot (the producers' or the consumers') if it is not.
// Only the holder of the slot's lock calls it.
func (s *spill) at(slot *atomic.Pointer[window], pos uint64) ([]byte, error) {
	n := pos / s.ext
	w := slot.Load()
	if w == nil || w.n != n {
		off := n * s.ext % s.size
		mem, err := s.seg.Window(int(off), int(s.ext))
		if err != nil {
			return nil, err
		}
		w = &window{n: n, mem: mem}
		if old := slot.Swap(w); old != nil {
			shm.Unmap(old.mem)
		}
	}
	return w.mem[pos%s.ext:], nil
}

// drop unmaps slot's window.
func (s *spill) drop(slot *atomic.Pointer[window]) {
	if w := slot.Swap(nil); w != nil {
		shm.Unmap(w.mem)
	}
}

// unmapAll lets go of both windows.
func (s *spill) unmapAll() {
	s.drop(&s.prod)
	s.drop(&s.cons)
}

// punch gives back the memory of positions [from, to) (page-aligned).
func (s *spill) punch(from, to uint64) {
	for from < to {
		off := from % s.size
		n := min(to-from, s.size-off) // a range across the segment's end wraps to its start
		s.seg.Punch(int(off), int(n))
		from += n
	}
}

// zeroWord clears the 8 bytes at pos without mapping them: the first word
// of the next extent, which a pad frame's commit must clear.
func (s *spill) zeroWord(pos uint64) { s.seg.Zero(int(pos%s.size), 8) }

func stampOf(frame []byte) *uint64 { return (*uint64)(unsafe.Pointer(&frame[0])) }

// keepUnmapped unmaps s's windows once r is unreachable, for rings
// dropped without Detach.
func keepUnmapped(r *Ring, s *spill) { runtime.AddCleanup(r, (*spill).unmapAll, s) }
