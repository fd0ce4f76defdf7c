package mproc_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"mproc"
)

type fileModes struct {
	Socket, SharedMemory uint32
}

// modesUnderUmask creates a Unix socket in dir and a named segment with the
// given umask, which is process-wide: so in a child, never in the tests'
// process.
var modesUnderUmask = mproc.Register[struct {
	Dir   string
	Umask int
}, fileModes]("test.sec.modes", func(a struct {
	Dir   string
	Umask int
}) (fileModes, error) {
	syscall.Umask(a.Umask)
	var m fileModes
	l, err := mproc.Listen("unix", filepath.Join(a.Dir, "s"), []byte("k"))
	if err != nil {
		return m, err
	}
	defer l.Close()
	st, err := os.Stat(filepath.Join(a.Dir, "s"))
	if err != nil {
		return m, err
	}
	m.Socket = uint32(st.Mode().Perm())
	shm, err := mproc.NewSharedMemory("", 4096)
	if err != nil {
		return m, err
	}
	defer shm.Close()
	defer shm.Unlink()
	if st, err = os.Stat("/dev/shm/" + shm.Name()); err != nil {
		return m, err
	}
	m.SharedMemory = uint32(st.Mode().Perm())
	return m, nil
})

// Socket files and named shared memory are 0600 whatever the umask: a
// permissive one must not open them to other users, nor a strict one
// shut out their owner.
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
		if m.Socket != 0o600 || m.SharedMemory != 0o600 {
			t.Errorf("umask %#o: socket %#o, shared memory %#o; want 0600 for both", umask, m.Socket, m.SharedMemory)
		}
	}
}
