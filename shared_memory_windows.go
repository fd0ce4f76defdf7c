package mproc

import "mproc/internal/platform"

// errNoSharedMemory: a segment is a file in /dev/shm, mapped shared.
var errNoSharedMemory = platform.Unsupported("named shared memory (SharedMemory)")

// NewSharedMemory is not available here: it returns an error matching
// errors.ErrUnsupported.
func NewSharedMemory(string, int) (*SharedMemory, error) { return nil, errNoSharedMemory }

// AttachSharedMemory is not available here: it returns an error matching
// errors.ErrUnsupported.
func AttachSharedMemory(string) (*SharedMemory, error) { return nil, errNoSharedMemory }

// Close does nothing: no segment is ever mapped here.
func (*SharedMemory) Close() error { return nil }

// Unlink returns an error matching errors.ErrUnsupported.
func (*SharedMemory) Unlink() error { return errNoSharedMemory }
