package mproc_test

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"mproc"
)

func shmExists(name string) bool {
	_, err := os.Stat("/dev/shm/" + name)
	return err == nil
}

var (
	// readWriteShm attaches by name, reports what it found, and writes back.
	readWriteShm = mproc.Register[string, string]("test.shm.byname", func(name string) (string, error) {
		m, err := mproc.AttachSharedMemory(name)
		if err != nil {
			return "", err
		}
		defer m.Close()
		got := strings.TrimRight(string(m.Bytes()[:16]), "\x00")
		copy(m.Bytes()[16:], "from the child")
		return got, nil
	})
	// handedShm gets the segment as an argument and tries to unlink it.
	handedShm = mproc.Register[*mproc.SharedMemory, string]("test.shm.handed", func(m *mproc.SharedMemory) (string, error) {
		defer m.Close()
		if err := m.Unlink(); !errors.Is(err, mproc.ErrNotCreator) {
			return "", errors.New("a non-creator could unlink: " + errString(err))
		}
		return strings.TrimRight(string(m.Bytes()[:16]), "\x00"), nil
	})
)

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

func TestSharedMemoryAcrossProcesses(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	m, err := mproc.NewSharedMemory("", 1000)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		m.Close()
		m.Unlink()
	}()
	if !strings.HasPrefix(m.Name(), "mproc_") || m.Size() != 1000 || !shmExists(m.Name()) {
		t.Fatalf("name %q size %d", m.Name(), m.Size())
	}
	for _, b := range m.Bytes() {
		if b != 0 {
			t.Fatal("new shared memory is not zero-filled")
		}
	}
	copy(m.Bytes(), "from the parent")
	got, err := readWriteShm.Call(ctx, m.Name())
	if err != nil || got != "from the parent" {
		t.Fatalf("child read %q, %v", got, err)
	}
	if s := strings.TrimRight(string(m.Bytes()[16:32]), "\x00"); s != "from the child" {
		t.Fatalf("parent sees %q", s)
	}
	got, err = handedShm.Call(ctx, m)
	if err != nil || got != "from the parent" {
		t.Fatalf("child handed the segment read %q, %v", got, err)
	}

	// An unrelated process (not started by mproc) attaches by name.
	cmd := execHelper(t, "shm-read")
	cmd.Env = append(cmd.Env, "MPROC_TEST_SHM="+m.Name())
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "READ from the parent") {
		t.Fatalf("unrelated process: %q, %v", out, err)
	}
}

func TestSharedMemoryNamesAndUnlink(t *testing.T) {
	t.Parallel()
	name := "mproc_test_given_" + strings.ReplaceAll(t.Name(), "/", "_")
	m, err := mproc.NewSharedMemory(name, 64)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name() != name {
		t.Fatalf("name %q", m.Name())
	}
	if _, err := mproc.NewSharedMemory(name, 64); !errors.Is(err, os.ErrExist) {
		t.Fatalf("creating an existing name: %v", err)
	}
	a, err := mproc.AttachSharedMemory(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Unlink(); !errors.Is(err, mproc.ErrNotCreator) {
		t.Fatalf("Unlink by an attacher: %v", err)
	}
	copy(m.Bytes(), "x")
	if err := m.Unlink(); err != nil {
		t.Fatal(err)
	}
	if shmExists(name) {
		t.Fatal("still in /dev/shm after Unlink")
	}
	if a.Bytes()[0] != 'x' {
		t.Fatal("an attached mapping lost its memory at Unlink")
	}
	if _, err := mproc.AttachSharedMemory(name); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("attaching an unlinked name: %v", err)
	}
	for _, c := range []func() error{m.Close, m.Close, a.Close} {
		if err := c(); err != nil {
			t.Fatal(err)
		}
	}
	if m.Bytes() != nil {
		t.Fatal("Bytes after Close")
	}
	for _, bad := range []string{"a/b", "..", strings.Repeat("x", 300)} {
		if _, err := mproc.NewSharedMemory(bad, 8); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	if _, err := mproc.NewSharedMemory("", 0); err == nil {
		t.Error("size 0 accepted")
	}
}

// A creator that dies without unlinking, killed or not, leaves nothing in
// /dev/shm: its tracker unlinks the segment.
func TestSharedMemoryCleanedAfterCreatorDies(t *testing.T) {
	t.Parallel()
	for _, role := range []string{"shm-create-block", "shm-create-exit"} {
		t.Run(role, func(t *testing.T) {
			t.Parallel()
			cmd, sc := startHelper(t, role)
			name := readField(t, sc, "NAME")
			if role == "shm-create-block" {
				if !shmExists(name) {
					t.Fatal("segment missing while its creator lives")
				}
				cmd.Process.Signal(syscall.SIGKILL)
			}
			cmd.Wait()
			deadline := time.Now().Add(10 * time.Second)
			for shmExists(name) {
				if time.Now().After(deadline) {
					os.Remove("/dev/shm/" + name)
					t.Fatalf("%s still in /dev/shm 10 s after its creator died", name)
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}
