package shm

import (
	"fmt"
)

// NewSparse creates, with one reference for the caller, a segment of size
// bytes (a multiple of the page size) that is never mapped whole: a memfd
// whose pages cost memory only once written, mapped a window at a time
// (Window) and given back with Punch. Its size can thus be far larger than
// the machine's memory, or than the address space a process can spare.
func NewSparse(size int) (*Segment, error) {
	if size <= 0 || size%PageSize != 0 {
		return nil, fmt.Errorf("mproc: sparse segment size %d is not a positive multiple of a page", size)
	}
	return create(Desc{Size: size, Sparse: true})
}

// Window maps n bytes of a sparse segment from off (both page-aligned)
// for the caller, who unmaps them with Unmap before releasing the segment.
func (s *Segment) Window(off, n int) ([]byte, error) {
	if !s.Sparse || off < 0 || n <= 0 || off%PageSize != 0 || n%PageSize != 0 || off+n > s.Size {
		return nil, fmt.Errorf("mproc: window of %d bytes at %d of a %d-byte segment", n, off, s.Size)
	}
	mem, err := mapWindow(s.FD(), off, n)
	if err != nil {
		return nil, fmt.Errorf("mproc: mapping shared memory: %w", err)
	}
	return mem, nil
}

// Unmap unmaps a window.
func Unmap(mem []byte) {
	if len(mem) > 0 {
		unmapWindow(mem)
	}
}

// Punch gives back the memory of n bytes from off (page-aligned) of a
// sparse segment, in every process that maps them: they read as zeros
// after. Where the system cannot punch holes in the file behind it (see
// punch), the bytes are zeroed and their memory stays allocated.
func (s *Segment) Punch(off, n int) error {
	if n <= 0 {
		return nil
	}
	return punch(s.FD(), off, n)
}

// Zero writes zeros over the n bytes at off of a sparse segment without
// mapping them.
func (s *Segment) Zero(off, n int) error {
	return zeroFD(s.FD(), off, n)
}

// Allocated is the memory the segment's pages hold now, in bytes.
func (s *Segment) Allocated() (int64, error) {
	return allocated(s.FD())
}
