//go:build unix && (!linux || mproc_portable)

package shm

import (
	"testing"

	"golang.org/x/sys/unix"
)

// A portable segment is a file, but one with no name left: nothing can
// leak in /dev/shm or the temporary directory when its processes die.
func TestPortableSegmentsHaveNoName(t *testing.T) {
	t.Parallel()
	s, err := New(PageSize)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	var st unix.Stat_t
	if err := unix.Fstat(s.FD(), &st); err != nil {
		t.Fatal(err)
	}
	if st.Nlink != 0 {
		t.Fatalf("segment file has %d links, want 0 (unlinked at creation)", st.Nlink)
	}
	if st.Mode&0o077 != 0 {
		t.Fatalf("segment file mode %o is open to others", st.Mode&0o777)
	}
}
