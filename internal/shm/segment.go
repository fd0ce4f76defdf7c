// Package shm holds the shared memory that mproc's synchronization objects,
// values and arrays live in: anonymous segments, mapped shared, and passed
// to other processes as file descriptors.
//
// On Linux a segment is a memfd, sealed at its size. Elsewhere, and on
// Linux with the mproc_portable tag, it is a file created under a name
// that says which process made it, mode 0600, and unlinked at once (see
// file_portable.go); a file whose creator died before the unlink is
// removed by the next sweep (see Sweep). Either way no name is left to
// leak: the kernel frees the memory when the last descriptor and mapping
// are gone. Each process keeps one mapping per segment (the table below), found by the
// segment's random id when a handle arrives from another process. It is
// released when the last reference taken on it (New, Attach, Lookup) is
// released, or by the garbage collector when nothing refers to it any more.
package shm

import (
	"crypto/rand"
	"fmt"
	"runtime"
	"sync"
	"unsafe"
	"weak"

	"mproc/internal/wire"
)

// ID names a segment across processes.
type ID [16]byte

// Desc is what crosses a process boundary for a segment, besides its
// descriptor.
type Desc struct {
	ID       ID
	Size     int
	Mirrored bool `cbor:",omitempty"` // mapped twice back to back (see NewMirrored)
	Sparse   bool `cbor:",omitempty"` // never mapped whole: a window at a time (see NewSparse)
}

// Segment is a mapping of a shared memory segment.
type Segment struct {
	Desc
	mem  []byte
	res  *resources // what the garbage collector frees, if Release has not
	refs int        // references taken and not released; guarded by table
}

// NewID returns a random id.
func NewID() ID {
	var id ID
	rand.Read(id[:])
	return id
}

// Segment kinds: the names of their memfds, or the first part of the names
// of their files (see file_portable.go).
const (
	kindPlain = "mproc"
	kindSpill = "mproc-spill"
)

// PageSize is the smallest segment.
const PageSize = 4096

var table = struct {
	sync.Mutex
	m map[ID]weak.Pointer[Segment]
}{m: map[ID]weak.Pointer[Segment]{}}

// ErrUnknown means a handle named a segment this process has not received.
var ErrUnknown = fmt.Errorf("%w: shared object arrived without its memory", wire.ErrCorrupt)

// New creates a zero-filled segment of at least size bytes, with one
// reference for the caller to Release.
func New(size int) (*Segment, error) { return create(Desc{Size: roundUp(max(size, 1))}) }

// NewMirrored creates, with one reference for the caller, a zero-filled segment of size bytes (a power of two,
// at least a page) mapped twice back to back: Bytes has 2*size bytes, and
// byte i and byte i+size are the same memory. A ring buffer can then read
// and write any run of up to size bytes starting anywhere in the first half
// without splitting it at the end.
func NewMirrored(size int) (*Segment, error) {
	if size < PageSize || size&(size-1) != 0 {
		return nil, fmt.Errorf("mproc: mirrored segment size %d is not a power of two of at least a page", size)
	}
	return create(Desc{Size: size, Mirrored: true})
}

// create makes the segment d describes, under a fresh id.
func create(d Desc) (*Segment, error) {
	name := kindPlain
	if d.Sparse {
		name = kindSpill // so that /proc/PID/maps tells its windows apart
	}
	fd, err := newFD(name, d.Size)
	if err != nil {
		return nil, err
	}
	d.ID = NewID()
	s, err := mapSegment(d, fd)
	if err != nil {
		closeFD(fd)
		return nil, err
	}
	table.Lock()
	table.m[d.ID] = weak.Make(s)
	s.refs = 1
	table.Unlock()
	return s, nil
}

// Attach maps a segment received from another process and takes a
// reference for the caller to Release. It takes over fd: when this process
// already has the segment, fd is closed and the existing mapping returned.
func Attach(d Desc, fd int) (*Segment, error) {
	table.Lock()
	defer table.Unlock()
	if w, ok := table.m[d.ID]; ok {
		if s := w.Value(); s != nil {
			closeFD(fd)
			if s.Size != d.Size || s.Mirrored != d.Mirrored || s.Sparse != d.Sparse {
				return nil, fmt.Errorf("%w: segment size %d, handle says %d", ErrUnknown, s.Size, d.Size)
			}
			s.refs++
			return s, nil
		}
	}
	if d.Size <= 0 || d.Size%PageSize != 0 || d.Mirrored && (d.Sparse || d.Size&(d.Size-1) != 0) {
		closeFD(fd)
		return nil, fmt.Errorf("%w: shared memory size %d", wire.ErrCorrupt, d.Size)
	}
	// A descriptor smaller than it claims would fault on access.
	if err := checkFD(fd, d.Size); err != nil {
		closeFD(fd)
		return nil, err
	}
	s, err := mapSegment(d, fd)
	if err != nil {
		closeFD(fd)
		return nil, err
	}
	table.m[d.ID] = weak.Make(s)
	s.refs = 1
	return s, nil
}

// Lookup returns this process's mapping of the segment id, if it has one,
// with a reference for the caller to Release.
func Lookup(id ID) (*Segment, error) {
	table.Lock()
	defer table.Unlock()
	if w, ok := table.m[id]; ok {
		if s := w.Value(); s != nil {
			s.refs++
			return s, nil
		}
	}
	return nil, ErrUnknown
}

func mapSegment(d Desc, fd int) (*Segment, error) {
	var mem []byte
	var err error
	switch {
	case d.Sparse: // mapped a window at a time, by its user
	case d.Mirrored:
		mem, err = mapMirrored(fd, d.Size)
	default:
		mem, err = mapShared(fd, d.Size)
	}
	if err != nil {
		return nil, fmt.Errorf("mproc: mapping shared memory: %w", err)
	}
	res := &resources{id: d.ID, fd: fd, mem: mem, mirrored: d.Mirrored}
	s := &Segment{Desc: d, mem: mem, res: res}
	runtime.AddCleanup(s, (*resources).collect, res)
	return s, nil
}

// resources are a segment's descriptor and mapping. Release closes the
// descriptor and swaps the mapping for a placeholder; the garbage
// collector unmaps whatever is mapped there once the Segment is gone.
type resources struct {
	id       ID
	mirrored bool // mapped by MmapPtr, which unix.Munmap does not know (see unmap)
	mu       sync.Mutex
	fd       int // -1 once closed
	mem      []byte
}

// collect frees what is left when the Segment is unreachable.
func (r *resources) collect() {
	r.mu.Lock()
	if len(r.mem) > 0 { // sparse: its windows are its user's
		unmap(r.mem, r.mirrored)
	}
	if r.fd >= 0 {
		closeFD(r.fd)
	}
	r.mu.Unlock()
	table.Lock()
	if w, ok := table.m[r.id]; ok && w.Value() == nil {
		delete(table.m, r.id)
	}
	table.Unlock()
}

// Retain takes another reference, unless the last one was already
// released; it reports whether it took one.
func (s *Segment) Retain() bool {
	table.Lock()
	defer table.Unlock()
	if s.refs <= 0 {
		return false
	}
	s.refs++
	return true
}

// Release gives back a reference. With the last one, this process lets go
// of the segment: its descriptor is closed and its shared mapping replaced,
// in one step, by private zero-filled memory of the same size, so that a
// goroutine still using the old addresses cannot fault; the garbage
// collector unmaps that placeholder with the Segment. Other processes keep
// the segment: the kernel frees it with the last descriptor and mapping.
func (s *Segment) Release() {
	table.Lock()
	if s.refs--; s.refs > 0 {
		table.Unlock()
		return
	}
	if w, ok := table.m[s.ID]; ok && w.Value() == s {
		delete(table.m, s.ID)
	}
	table.Unlock()
	s.res.free()
}

func (r *resources) free() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fd < 0 {
		return
	}
	if len(r.mem) > 0 {
		placeholder(r.mem)
	}
	closeFD(r.fd)
	r.fd = -1
}

func roundUp(n int) int { return (n + PageSize - 1) / PageSize * PageSize }

// FD is the segment's descriptor, for sending it to another process. It
// stays valid while s is reachable and holds a reference.
func (s *Segment) FD() int { return s.res.fd }

// Bytes is the shared memory.
func (s *Segment) Bytes() []byte { return s.mem }

// Uint32 returns the 4-byte word at off (aligned), for atomics and futexes.
func (s *Segment) Uint32(off int) *uint32 {
	if off < 0 || off%4 != 0 || off+4 > len(s.mem) {
		panic(fmt.Sprintf("mproc: shared word at %d outside %d bytes", off, len(s.mem)))
	}
	return (*uint32)(unsafe.Pointer(&s.mem[off]))
}

// Uint64 returns the 8-byte word at off (aligned).
func (s *Segment) Uint64(off int) *uint64 {
	if off < 0 || off%8 != 0 || off+8 > len(s.mem) {
		panic(fmt.Sprintf("mproc: shared word at %d outside %d bytes", off, len(s.mem)))
	}
	return (*uint64)(unsafe.Pointer(&s.mem[off]))
}

// Pointer returns the address of byte off, for typed views of the memory.
func (s *Segment) Pointer(off int) unsafe.Pointer { return unsafe.Pointer(&s.mem[off]) }

// KeepAlive keeps s mapped until this point, for code that holds only
// pointers into its memory.
func (s *Segment) KeepAlive() { runtime.KeepAlive(s) }
