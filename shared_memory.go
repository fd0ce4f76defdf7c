package mproc

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"mproc/internal/wire"
)

// SharedMemory is a named block of shared memory (CPython's
// shared_memory.SharedMemory): any process, related or not, can attach to it
// by name. It lives in /dev/shm until its creator unlinks it.
//
// Only the creator unlinks. If the creator ends without unlinking, even when
// it is killed, a tracker process it started (CPython's resource tracker)
// unlinks the segment as soon as the creator is gone; attached processes
// keep their mappings until they Close. In a program that never called
// mproc.Main there is no tracker, and a creator that dies leaves the segment
// behind.
//
// Passed to a child as an argument (or returned), it attaches there by name.
type SharedMemory struct {
	name    string
	creator bool

	mu  sync.Mutex
	mem []byte // nil once closed
}

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

func checkShmName(name string) error {
	if name == "" || len(name) > 255 || strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
		return fmt.Errorf("mproc: bad shared memory name %q", name)
	}
	return nil
}

// Name is the segment's name, for AttachSharedMemory.
func (m *SharedMemory) Name() string { return m.name }

// Size is the segment's size in bytes.
func (m *SharedMemory) Size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.mem)
}

// Bytes is the shared memory, valid until Close.
func (m *SharedMemory) Bytes() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mem
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

type sharedMemoryWire struct{ Name string }

// MarshalBinary encodes the segment by name.
func (m *SharedMemory) MarshalBinary() ([]byte, error) {
	if m.Bytes() == nil {
		return nil, fmt.Errorf("%w: SharedMemory %s", ErrClosed, m.name)
	}
	return wire.CBOR.Marshal(sharedMemoryWire{Name: m.name})
}

// UnmarshalBinary attaches to the segment by name.
func (m *SharedMemory) UnmarshalBinary(b []byte) error {
	var w sharedMemoryWire
	if err := wire.CBOR.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("%w: shared memory handle: %v", ErrCorrupt, err)
	}
	if err := checkShmName(w.Name); err != nil {
		return fmt.Errorf("%w: shared memory handle: %v", ErrCorrupt, err)
	}
	a, err := AttachSharedMemory(w.Name)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.name, m.mem = a.name, a.mem
	m.mu.Unlock()
	return nil
}
