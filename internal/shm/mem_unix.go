//go:build unix

package shm

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

func closeFD(fd int) { unix.Close(fd) }

func mapShared(fd, size int) ([]byte, error) {
	return unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
}

// mapMirrored reserves 2*size bytes of address space and maps the segment
// into both halves.
func mapMirrored(fd, size int) ([]byte, error) {
	base, err := unix.MmapPtr(-1, 0, nil, uintptr(2*size), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, err
	}
	for half := range 2 {
		addr := unsafe.Add(base, half*size)
		if _, err := unix.MmapPtr(fd, 0, addr, uintptr(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_FIXED); err != nil {
			unix.MunmapPtr(base, uintptr(2*size))
			return nil, err
		}
	}
	return unsafe.Slice((*byte)(base), 2*size), nil
}

// unmap undoes mapShared or mapMirrored.
func unmap(mem []byte, mirrored bool) {
	if mirrored {
		unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(mem)), uintptr(len(mem)))
		return
	}
	unix.Munmap(mem)
}

// placeholder maps private zero-filled memory over mem, in one step.
func placeholder(mem []byte) {
	unix.MmapPtr(-1, 0, unsafe.Pointer(unsafe.SliceData(mem)), uintptr(len(mem)),
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_FIXED)
}

// fdSize is the size of the file behind fd.
func fdSize(fd int) (int64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, err
	}
	return st.Size, nil
}

// sizeFD gives a new segment's descriptor its size, closing it on failure.
func sizeFD(fd, size int) error {
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		unix.Close(fd)
		return fmt.Errorf("mproc: sizing shared memory: %w", err)
	}
	return nil
}

func mapWindow(fd, off, n int) ([]byte, error) {
	return unix.Mmap(fd, int64(off), n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
}

func unmapWindow(mem []byte) { unix.Munmap(mem) }

func zeroFD(fd, off, n int) error {
	_, err := unix.Pwrite(fd, make([]byte, n), int64(off))
	return err
}

func allocated(fd int) (int64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, err
	}
	return st.Blocks * 512, nil
}
