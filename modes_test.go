//go:build unix

package mproc_test

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"mproc"
)

type fileModes struct {
	SharedMemory uint32
}

// modesUnderUmask creates a named segment with the given umask, which is
// process-wide: so in a child, never in the tests' process. (Unix socket
// files: mproc/connection's tests.)
var modesUnderUmask = mproc.Register[struct {
	Dir   string
	Umask int
}, fileModes]("test.sec.modes", func(a struct {
	Dir   string
	Umask int
}) (fileModes, error) {
	syscall.Umask(a.Umask)
	var m fileModes
	shm, err := mproc.NewSharedMemory("", 4096)
	if err != nil {
		return m, err
	}
	defer shm.Close()
	defer shm.Unlink()
	st, err := os.Stat("/dev/shm/" + shm.Name())
	if err != nil {
		return m, err
	}
	m.SharedMemory = uint32(st.Mode().Perm())
	return m, nil
})

// Named shared memory is 0600 whatever the umask: a permissive one must
// not open it to other users, nor a strict one shut out its owner.
func TestCreatedFilesAre0600(t *testing.T) {
	t.Parallel()
	for _, umask := range []int{0, 0o022, 0o700} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		m, err := modesUnderUmask.Call(ctx, struct {
			Dir   string
			Umask int
		}{t.TempDir(), umask})
		cancel()
		if err != nil {
			t.Fatalf("umask %#o: %v", umask, err)
		}
		if m.SharedMemory != 0o600 {
			t.Errorf("umask %#o: shared memory %#o; want 0600", umask, m.SharedMemory)
		}
	}
}
