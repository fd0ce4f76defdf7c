//go:build unix && (!linux || mproc_portable)

package shm

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// helperRole selects what the test binary does when a test runs it as a
// child (see TestSweepHelperProcess).
const helperRole = "MPROC_SHM_TEST_ROLE"

// TestSweepHelperProcess is a child's main, not a test: "pause" creates a
// segment and stops between the file's creation and its unlink, printing
// the path and waiting on stdin (EOF, the test gone, ends it); "create"
// creates a segment and exits, sweeping as a process's first one does.
func TestSweepHelperProcess(t *testing.T) {
	switch os.Getenv(helperRole) {
	case "":
		t.Skip("a child's main, run by the sweep tests")
	case "pause":
		AfterOpen = func(path string) {
			fmt.Println(path)
			io.Copy(io.Discard, os.Stdin)
			os.Exit(3) // the test ended without killing this process
		}
	}
	s, err := New(PageSize)
	if err != nil {
		t.Fatal(err)
	}
	s.Release()
}

// helper starts the test binary as a child in role; the child is killed
// and reaped at cleanup if the test has not done so.
func helper(t *testing.T, ctx context.Context, role string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSweepHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperRole+"="+role)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, bufio.NewReader(stdout)
}

// runCreate runs a "create" child to its end.
func runCreate(t *testing.T, ctx context.Context) {
	t.Helper()
	cmd, out := helper(t, ctx, "create")
	io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("a child creating a segment: %v", err)
	}
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// A process SIGKILLed between creating a segment file and unlinking it
// leaves the file; a segment created later by another process removes it,
// but never a file whose creator still runs.
func TestSIGKILLedCreatorsFileIsSwept(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	paused, out := helper(t, ctx, "pause")
	line := make(chan string, 1)
	go func() {
		s, _ := out.ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	var path string
	select {
	case path = <-line:
	case <-ctx.Done():
		t.Fatal("the child did not report its segment file")
	}
	t.Cleanup(func() { os.Remove(path) }) // if the test fails before the sweep
	if filepath.Dir(path) != segmentDir() {
		t.Fatalf("segment file %s, not in %s", path, segmentDir())
	}
	c, ok := parseFileName(filepath.Base(path))
	if !ok || c.pid != paused.Process.Pid {
		t.Fatalf("segment file %s does not name its creator, pid %d", path, paused.Process.Pid)
	}
	if !exists(path) {
		t.Fatalf("the paused child's file %s is not there", path)
	}

	runCreate(t, ctx) // sweeps: its first segment
	if !exists(path) {
		t.Fatalf("a sweep removed %s while its creator ran", path)
	}

	if err := paused.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := paused.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the paused child ended with %v, want killed", err)
	}
	runCreate(t, ctx)
	if exists(path) {
		t.Fatalf("%s, left by a SIGKILLed creator, is still there after another process created a segment", path)
	}
}

// The sweep reads names strictly: only mproc's segment files, made as
// fileName makes them, are ever candidates.
func TestParseFileName(t *testing.T) {
	t.Parallel()
	const rnd = "0123456789abcdef0123456789abcdef"
	me := self()
	for _, kind := range []string{kindPlain, kindSpill} {
		name := me.fileName(kind, rnd)
		if c, ok := parseFileName(name); !ok || c != me {
			t.Errorf("parseFileName(%q) = %v, %v; want %v", name, c, ok, me)
		}
	}
	for _, name := range []string{
		"mproc_0123456789abcdef",                       // a SharedMemory's default name
		"mproc-" + rnd,                                 // the old, creatorless name
		"mproc-spill-" + rnd,                           //
		"peer-12-34-" + rnd,                            // another kind
		"mprocx-12-34-" + rnd,                          //
		"mproc-0-34-" + rnd,                            // pid 0: kill would signal a process group
		"mproc--1-34-" + rnd,                           // negative
		"mproc-+12-34-" + rnd,                          // not canonical
		"mproc-012-34-" + rnd,                          //
		"mproc-4294967295-34-" + rnd,                   // wraps in a pid_t
		"mproc-12--" + rnd,                             // no start
		"mproc-12-x-" + rnd,                            //
		"mproc-12-34-0123456789ABCDEF0123456789ABCDEF", // upper case
		"mproc-12-34-" + rnd[:31],                      // short
		"mproc-12-34-" + rnd + "0",                     // long
		"mproc-12-34-" + rnd[:31] + "g",                // not hex
		"",
	} {
		if c, ok := parseFileName(name); ok {
			t.Errorf("parseFileName(%q) = %v, want refused", name, c)
		}
	}
}

// deadPid returns the pid of a process that has ended and been reaped.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if err := unix.Kill(pid, 0); !errors.Is(err, unix.ESRCH) {
		t.Skipf("pid %d was taken again at once (kill: %v)", pid, err)
	}
	return pid
}

// The sweep removes the files of dead creators, and of a pid taken by a
// process that started later, and leaves all else: a live creator's, other
// names, other kinds of files.
func TestSweepRemovesOnlyDeadCreatorsFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const rnd = "0123456789abcdef0123456789abcdef"
	me := self()
	dead := creator{pid: deadPid(t), start: me.start}
	keep := []string{
		me.fileName(kindPlain, rnd),
		me.fileName(kindSpill, rnd),
		"mproc_0123456789abcdef",
		"mproc-" + rnd,
		"peer-" + strconv.Itoa(dead.pid) + "-0-" + rnd,
	}
	remove := []string{
		dead.fileName(kindPlain, rnd),
		dead.fileName(kindSpill, rnd),
	}
	if me.start != 0 { // this system tells start times: a reused pid is told apart
		remove = append(remove, creator{pid: me.pid, start: me.start + 1}.fileName(kindPlain, rnd))
	}
	for _, name := range append(keep, remove...) {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	notFile := creator{pid: dead.pid, start: dead.start}.fileName(kindPlain, "fedcba9876543210fedcba9876543210")
	if err := os.Mkdir(filepath.Join(dir, notFile), 0o700); err != nil {
		t.Fatal(err)
	}
	keep = append(keep, notFile)

	sweep(dir)
	for _, name := range keep {
		if !exists(filepath.Join(dir, name)) {
			t.Errorf("the sweep removed %s", name)
		}
	}
	for _, name := range remove {
		if exists(filepath.Join(dir, name)) {
			t.Errorf("the sweep left %s", name)
		}
	}
}

// The start time read for this process is the one its files are named
// with, and it is stable: the sweep compares it across processes.
func TestStartTimeOfSelf(t *testing.T) {
	t.Parallel()
	got, err := startTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if got != self().start {
		t.Fatalf("start time %d, self says %d", got, self().start)
	}
	if _, err := startTime(deadPid(t)); err == nil && self().start != 0 {
		t.Error("a dead process has a start time")
	}
}
