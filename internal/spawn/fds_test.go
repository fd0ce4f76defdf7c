//go:build unix

package spawn

import (
	"errors"
	"io"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

func socketPair(t *testing.T) (r, w *os.File) {
	t.Helper()
	p, err := Socketpair(unix.SOCK_STREAM)
	if err != nil {
		t.Fatal(err)
	}
	unix.SetNonblock(p[0], true)
	unix.SetNonblock(p[1], true)
	r, w = os.NewFile(uintptr(p[0]), "r"), os.NewFile(uintptr(p[1]), "w")
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(ents)
}

// A peer that sends far more descriptors than any frame announces can't
// fill the reader's table: the excess is closed as it arrives, and a frame
// that wants more than were kept fails with ErrMissingFDs.
func TestFDReaderCapsUnclaimedDescriptors(t *testing.T) {
	r, w := socketPair(t)
	fr, err := NewFDReader(r)
	if err != nil {
		t.Fatal(err)
	}
	defer fr.CloseFDs()
	dup, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer dup.Close()
	fds := make([]int, maxFDsPerMessage)
	for i := range fds {
		fds[i] = int(dup.Fd())
	}
	before := openFDs(t)
	const msgs = 8 // twice the cap's worth
	buf := make([]byte, 64)
	for range msgs {
		if err := WriteFrameFDs(w, 1, []byte("x"), fds); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAtLeast(fr, buf, 1); err != nil {
			t.Fatal(err)
		}
	}
	fr.mu.Lock()
	held := len(fr.fds)
	fr.mu.Unlock()
	if held != MaxHeldFDs {
		t.Fatalf("held %d descriptors, want the cap %d", held, MaxHeldFDs)
	}
	if grown := openFDs(t) - before; grown > MaxHeldFDs {
		t.Fatalf("the descriptor table grew by %d, more than the cap %d", grown, MaxHeldFDs)
	}
	if _, err := fr.TakeFDs(MaxHeldFDs + 1); !errors.Is(err, ErrMissingFDs) {
		t.Fatalf("TakeFDs past what was kept: %v, want ErrMissingFDs", err)
	}
	got, err := fr.TakeFDs(MaxHeldFDs)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range got {
		unix.Close(fd)
	}
}
