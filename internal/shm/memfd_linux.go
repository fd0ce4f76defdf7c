//go:build linux && !mproc_portable

package shm

import (
	"fmt"

	"golang.org/x/sys/unix"

	"mproc/internal/wire"
)

// sizeSeals fix a segment's size for good: no process may shrink or grow
// it, or take the seals off.
const sizeSeals = unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_SEAL

// newFD makes a memfd of size bytes, sealed at that size: a process that
// shrank it would make every other one that touches the lost pages die of
// SIGBUS.
func newFD(name string, size int) (int, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return -1, fmt.Errorf("mproc: memfd_create: %w", err)
	}
	if err := sizeFD(fd, size); err != nil {
		return -1, err
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, sizeSeals); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("mproc: sealing shared memory: %w", err)
	}
	return fd, nil
}

// checkFD refuses a descriptor smaller than size, or one that may still
// shrink (a peer could cut it under us later).
func checkFD(fd, size int) error {
	if seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0); err != nil || seals&sizeSeals != sizeSeals {
		return fmt.Errorf("%w: shared memory descriptor is not sealed at its size", wire.ErrCorrupt)
	}
	if got, err := fdSize(fd); err != nil || got < int64(size) {
		return fmt.Errorf("%w: shared memory descriptor holds %d bytes, handle says %d", wire.ErrCorrupt, got, size)
	}
	return nil
}
