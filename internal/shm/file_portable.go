//go:build unix && (!linux || mproc_portable)

package shm

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"mproc/internal/wire"
)

// AfterOpen, when set (by tests only), is called with a new segment file's
// path between its creation and its unlink: a test can stop or kill the
// process there, the one moment a segment has a name to leak.
var AfterOpen func(path string)

// newFD makes a segment without memfd: a file of size bytes created under
// a fresh name, mode 0600 and O_EXCL (no other user can open it, nor can
// anyone slip a link in its place), and unlinked at once, so that only
// descriptors hold it. It lives in /dev/shm where that exists (memory, not
// disk), else in the temporary directory (on macOS a per-user 0700 one).
//
// The name says which process made it (see creator), so that a file left
// by a process killed between the open and the unlink is removed by the
// next sweep (see Sweep), which runs at this process's first segment and
// then now and then.
//
// Unlike a memfd it cannot be sealed at its size: a process that holds its
// descriptor could shrink it, and every process that then touched the lost
// pages would die of SIGBUS. Only mproc's own processes (the program's
// children and peers it handed the descriptor to) ever hold it.
func newFD(name string, size int) (int, error) {
	dir := segmentDir()
	sweepNowAndThen(dir)
	var rnd [16]byte
	rand.Read(rnd[:])
	path := dir + "/" + self().fileName(name, hex.EncodeToString(rnd[:]))
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return -1, fmt.Errorf("mproc: creating shared memory: %w", err)
	}
	if AfterOpen != nil {
		AfterOpen(path)
	}
	unix.Unlink(path) // ENOENT if a sweep took it already: no matter, nobody opens it by name
	if err := sizeFD(fd, size); err != nil {
		return -1, err
	}
	return fd, nil
}

func segmentDir() string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() && unix.Access("/dev/shm", unix.W_OK) == nil {
		return "/dev/shm"
	}
	return os.TempDir()
}

// checkFD refuses a descriptor smaller than size: mapping it would fault on
// access. (Without seals, that is all there is to check.)
func checkFD(fd, size int) error {
	if got, err := fdSize(fd); err != nil || got < int64(size) {
		return fmt.Errorf("%w: shared memory descriptor holds %d bytes, handle says %d", wire.ErrCorrupt, got, size)
	}
	return nil
}
