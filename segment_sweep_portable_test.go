//go:build unix && (!linux || mproc_portable)

package mproc_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mproc"
	"mproc/internal/shm"
)

// pausedCreate makes a lock, stopping between its segment file's creation
// and its unlink: it sends the file's path on c and waits there to be
// killed (or for c's EOF, the test gone).
var pausedCreate = mproc.Register[*mproc.Conn, mproc.None]("test.shm.pausedcreate", func(ctx context.Context, c *mproc.Conn) error {
	shm.AfterOpen = func(path string) {
		c.Send(ctx, path)
		var never string
		c.Recv(ctx, &never)
		os.Exit(3)
	}
	_, err := mproc.NewLock()
	return err
})

// A child SIGKILLed with a segment file still named in /dev/shm: joining
// it removes the file (the parent sweeps when it reaps a child that did
// not exit cleanly).
func TestJoinSweepsTheFileOfAChildKilledMidCreate(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	here, there := newPipe(t, true)
	p := startChild(t, ctx, pausedCreate, there)
	var path string
	if err := here.Recv(ctx, &path); err != nil {
		t.Fatalf("the child did not report its segment file: %v", err)
	}
	t.Cleanup(func() { os.Remove(path) }) // if the test fails before the sweep
	if !strings.HasPrefix(filepath.Base(path), "mproc-") {
		t.Fatalf("segment file %q, want an mproc- one", path)
	}
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("the paused child's file: %v", err)
	}
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := p.Join(ctx); err != nil {
		t.Fatal(err)
	}
	if code, _ := p.ExitCode(); code != -int(syscall.SIGKILL) {
		t.Fatalf("exit code %d, want %d (SIGKILL)", code, -int(syscall.SIGKILL))
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s is still there after its creator was killed and joined (%v)", path, err)
	}
}
