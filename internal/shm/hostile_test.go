//go:build unix

package shm

import (
	"errors"
	"testing"

	"mproc/internal/wire"
)

// A descriptor that arrives with a size it does not have is refused as
// corrupt, before it is mapped.
func TestAttachRefusesWrongSizesAsCorrupt(t *testing.T) {
	t.Parallel()
	for name, d := range map[string]Desc{
		"not pages":        {ID: NewID(), Size: 3},
		"negative":         {ID: NewID(), Size: -PageSize},
		"bigger than fd":   {ID: NewID(), Size: 4 * PageSize},
		"mirrored, not 2n": {ID: NewID(), Size: 3 * PageSize, Mirrored: true},
	} {
		fd := peerFD(t, PageSize)
		if _, err := Attach(d, fd); !errors.Is(err, wire.ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
}

// peerFD makes a descriptor of size bytes as a peer would send it.
func peerFD(t *testing.T, size int) int {
	t.Helper()
	fd, err := newFD("peer", size)
	if err != nil {
		t.Fatal(err)
	}
	return fd
}
