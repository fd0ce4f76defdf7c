//go:build unix

package mproc

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

const shmDir = "/dev/shm/"

// NewSharedMemory creates a zero-filled segment of size bytes. An empty name
// picks a random one ("mproc_" and 16 hex digits); a name that exists is an
// error (os.ErrExist). The file is made with mode 0600, whatever the umask.
func NewSharedMemory(name string, size int) (*SharedMemory, error) {
	if size <= 0 {
		return nil, fmt.Errorf("mproc: shared memory size must be positive, not %d", size)
	}
	if name == "" {
		var b [8]byte
		rand.Read(b[:])
		name = "mproc_" + hex.EncodeToString(b[:])
	}
	if err := checkShmName(name); err != nil {
		return nil, err
	}
	fd, err := unix.Open(shmDir+name, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, &os.PathError{Op: "create shared memory", Path: name, Err: err}
	}
	defer unix.Close(fd)
	// O_CREAT's mode passes through the umask, which can only take bits
	// away: the file is never more than 0600, and this makes it exactly
	// that, or a umask with owner bits would keep the owner's other
	// processes from attaching.
	if err := unix.Fchmod(fd, 0o600); err != nil {
		unix.Unlink(shmDir + name)
		return nil, fmt.Errorf("mproc: shared memory %s: %w", name, err)
	}
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		unix.Unlink(shmDir + name)
		return nil, fmt.Errorf("mproc: sizing shared memory %s: %w", name, err)
	}
	mem, err := unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		unix.Unlink(shmDir + name)
		return nil, fmt.Errorf("mproc: mapping shared memory %s: %w", name, err)
	}
	track(name)
	return &SharedMemory{name: name, creator: true, mem: mem}, nil
}

// AttachSharedMemory maps the segment called name, created by any process.
func AttachSharedMemory(name string) (*SharedMemory, error) {
	if err := checkShmName(name); err != nil {
		return nil, err
	}
	fd, err := unix.Open(shmDir+name, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "attach shared memory", Path: name, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	if st.Size <= 0 {
		return nil, fmt.Errorf("mproc: shared memory %s is empty", name)
	}
	mem, err := unix.Mmap(fd, 0, int(st.Size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mproc: mapping shared memory %s: %w", name, err)
	}
	return &SharedMemory{name: name, mem: mem}, nil
}

// Close unmaps the segment in this process; it stays for the others, and
// under its name until Unlink. Afterwards Bytes is nil and Size 0, and
// passing it to another process returns ErrClosed. Closing again does
// nothing and returns nil. Close only when no goroutine of this process
// uses the memory.
func (m *SharedMemory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mem == nil {
		return nil
	}
	err := unix.Munmap(m.mem)
	m.mem = nil
	return err
}

// Unlink removes the name, so no new process can attach; processes that
// have it mapped keep it until they Close. Only the creator may unlink.
func (m *SharedMemory) Unlink() error {
	if !m.creator {
		return fmt.Errorf("%w: %s", ErrNotCreator, m.name)
	}
	if err := unix.Unlink(shmDir + m.name); err != nil {
		return &os.PathError{Op: "unlink shared memory", Path: m.name, Err: err}
	}
	untrack(m.name)
	return nil
}
