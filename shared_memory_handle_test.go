package mproc_test

import (
	"errors"
	"testing"

	"mproc"
)

// A SharedMemory handle that does not decode, or names no segment that
// could be in /dev/shm, is corrupt.
func TestSharedMemoryHandleCorrupt(t *testing.T) {
	t.Parallel()
	for name, b := range map[string][]byte{
		"not CBOR":    {0xff, 0x00},
		"wrong shape": {0x83, 1, 2, 3},
		"path":        {0xa1, 0x64, 'N', 'a', 'm', 'e', 0x65, '.', '.', '/', 'x', 'y'},
		"empty name":  {0xa1, 0x64, 'N', 'a', 'm', 'e', 0x60},
	} {
		var m mproc.SharedMemory
		if err := m.UnmarshalBinary(b); !errors.Is(err, mproc.ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
}
