package mproc

import (
	"fmt"
	"strings"
	"sync"

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
