//go:build unix

package shm

import (
	"errors"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

func TestNewIsZeroedSharedAndRounded(t *testing.T) {
	s, err := New(10)
	if err != nil {
		t.Fatal(err)
	}
	if s.Size != PageSize || len(s.Bytes()) != PageSize {
		t.Fatalf("size %d, want one page", s.Size)
	}
	for _, b := range s.Bytes() {
		if b != 0 {
			t.Fatal("not zero-filled")
		}
	}
	// A second mapping of the same descriptor sees the same memory.
	mem, err := unix.Mmap(s.FD(), 0, s.Size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(mem)
	*s.Uint32(8) = 0xdeadbeef
	if mem[8] != 0xef {
		t.Fatal("the memory is not shared")
	}
	if got, err := Lookup(s.ID); err != nil || got != s {
		t.Fatalf("Lookup = %v, %v", got, err)
	}
}

func TestAttachReusesAndChecks(t *testing.T) {
	s, err := New(PageSize)
	if err != nil {
		t.Fatal(err)
	}
	dup, _ := unix.Dup(s.FD())
	got, err := Attach(s.Desc, dup)
	if err != nil || got != s {
		t.Fatalf("Attach of a known segment = %v, %v; want the same mapping", got, err)
	}
	if _, err := unix.FcntlInt(uintptr(dup), unix.F_GETFD, 0); err == nil {
		t.Fatal("Attach kept the duplicate descriptor of a known segment open")
	}

	// A descriptor smaller than its handle claims is refused, not mapped
	// (touching the missing pages would fault).
	small := peerFD(t, PageSize)
	if _, err := Attach(Desc{ID: ID{1}, Size: 4 * PageSize}, small); err == nil {
		t.Fatal("attached a descriptor smaller than its handle")
	}
	for _, size := range []int{0, -PageSize, 100} {
		fd := peerFD(t, PageSize)
		if _, err := Attach(Desc{ID: ID{2}, Size: size}, fd); err == nil {
			t.Fatalf("attached with size %d", size)
		}
	}
	if _, err := Lookup(ID{3}); !errors.Is(err, ErrUnknown) {
		t.Fatalf("Lookup of an unknown id = %v", err)
	}
}

func TestUnreachableSegmentsAreReleased(t *testing.T) {
	s, err := New(PageSize)
	if err != nil {
		t.Fatal(err)
	}
	id, fd := s.ID, s.FD()
	s = nil
	for range 20 {
		runtime.GC()
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
			break
		}
	}
	if _, err := Lookup(id); !errors.Is(err, ErrUnknown) {
		t.Fatal("an unreachable segment is still in the table")
	}
}

func TestWordBounds(t *testing.T) {
	s, _ := New(PageSize)
	for _, off := range []int{-4, 2, PageSize} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Uint32(%d) did not panic", off)
				}
			}()
			s.Uint32(off)
		}()
	}
}

func TestMirrored(t *testing.T) {
	s, err := NewMirrored(2 * PageSize)
	if err != nil {
		t.Fatal(err)
	}
	b := s.Bytes()
	if len(b) != 4*PageSize {
		t.Fatalf("mirrored view is %d bytes", len(b))
	}
	copy(b[2*PageSize-3:], "wraps around")
	if string(b[0:9]) != "ps around" {
		t.Fatalf("the second half is not the first: %q", b[:12])
	}
	dup, _ := unix.Dup(s.FD())
	if got, err := Attach(s.Desc, dup); err != nil || got != s {
		t.Fatalf("Attach = %v, %v", got, err)
	}
	if _, err := NewMirrored(3 * PageSize); err == nil {
		t.Fatal("a size that is not a power of two was accepted")
	}
}
