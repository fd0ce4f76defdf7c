//go:build linux && !mproc_portable

package shm

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"mproc/internal/wire"
)

// memfd makes a descriptor as a hostile peer might send it: size bytes,
// with the given seals.
func memfd(t *testing.T, size, seals int) int {
	t.Helper()
	fd, err := unix.MemfdCreate("hostile", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		t.Fatal(err)
	}
	if seals != 0 {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
			t.Fatal(err)
		}
	}
	return fd
}

// A descriptor of the right size that its sender could still shrink is
// refused: shrunk later, it would kill this process with SIGBUS.
func TestAttachRefusesUnsealedMemory(t *testing.T) {
	t.Parallel()
	for name, seals := range map[string]int{
		"no seals":   0,
		"may shrink": unix.F_SEAL_GROW | unix.F_SEAL_SEAL,
		"seals open": unix.F_SEAL_SHRINK | unix.F_SEAL_GROW,
	} {
		d := Desc{ID: NewID(), Size: PageSize}
		if _, err := Attach(d, memfd(t, PageSize, seals)); !errors.Is(err, wire.ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
	d := Desc{ID: NewID(), Size: PageSize}
	s, err := Attach(d, memfd(t, PageSize, sizeSeals))
	if err != nil {
		t.Fatalf("a sealed descriptor of the right size: %v", err)
	}
	s.Release()
}

// What this process creates can't be shrunk by anyone it shares it with.
func TestSegmentsAreSealedAtTheirSize(t *testing.T) {
	t.Parallel()
	s, err := New(2 * PageSize)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	if err := unix.Ftruncate(s.FD(), PageSize); !errors.Is(err, unix.EPERM) {
		t.Fatalf("shrinking a segment: %v, want EPERM", err)
	}
}
