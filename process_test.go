package mproc_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"mproc"
)

func TestLifecycle(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	p := blockUntilCancelled.Process(mproc.None{})
	if alive, err := p.IsAlive(); alive || err != nil {
		t.Fatalf("before Start: IsAlive = %v, %v", alive, err)
	}
	if _, ok := p.ExitCode(); ok {
		t.Fatal("before Start: has an exit code")
	}
	if slices.Contains(mproc.ActiveChildren(), p.Process) {
		t.Fatal("before Start: listed in ActiveChildren")
	}
	if !strings.HasSuffix(p.String(), ", initial)>") || p.Pid() != 0 {
		t.Fatalf("before Start: %v pid %d", p, p.Pid())
	}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if alive, err := p.IsAlive(); !alive || err != nil {
		t.Fatalf("after Start: IsAlive = %v, %v", alive, err)
	}
	if !slices.Contains(mproc.ActiveChildren(), p.Process) {
		t.Fatal("after Start: not in ActiveChildren")
	}
	if !strings.HasSuffix(p.String(), ", started)>") || p.Pid() <= 0 {
		t.Fatalf("after Start: %v pid %d", p, p.Pid())
	}
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Join(ctx); err != nil {
		t.Fatal(err)
	}
	if alive, err := p.IsAlive(); alive || err != nil {
		t.Fatalf("after Join: IsAlive = %v, %v", alive, err)
	}
	if slices.Contains(mproc.ActiveChildren(), p.Process) {
		t.Fatal("after Join: still in ActiveChildren")
	}
	if code, ok := p.ExitCode(); !ok || code != -15 {
		t.Fatalf("after Terminate+Join: exit code %d, %v; want -15", code, ok)
	}
	if want := "stopped exitcode=-15)>"; !strings.HasSuffix(p.String(), want) {
		t.Fatalf("after Join: %v, want suffix %q", p, want)
	}
}

func TestCleanExitCodeZero(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	p, err := square.Start(ctx, 12)
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Wait(ctx)
	if err != nil || r != 144 {
		t.Fatalf("Wait = %d, %v; want 144", r, err)
	}
	if code, ok := p.ExitCode(); !ok || code != 0 {
		t.Fatalf("exit code %d, %v", code, ok)
	}
	if alive, _ := p.IsAlive(); alive {
		t.Fatal("alive after Wait")
	}
}

func TestChildIdentity(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	me := mproc.Current()
	if me.Name() != "MainProcess" || me.Pid() != os.Getpid() || len(me.AuthKey()) != 32 {
		t.Fatalf("Current() = %v pid %d key %d bytes", me, me.Pid(), len(me.AuthKey()))
	}
	if mproc.Parent() != nil {
		t.Fatal("Parent() in the main process is not nil")
	}
	p, err := whoAmI.Start(ctx, "hello", mproc.WithName("worker-a"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := p.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case id.Arg != "hello":
		t.Errorf("child got argument %q", id.Arg)
	case id.Name != "worker-a" || p.Name() != "worker-a":
		t.Errorf("child name %q, parent's record %q", id.Name, p.Name())
	case id.Pid != p.Pid() || id.SelfPid != id.Pid:
		t.Errorf("child pid %d, Current().Pid() %d, parent says %d", id.Pid, id.SelfPid, p.Pid())
	case id.PPid != os.Getpid() || id.ParentPid != os.Getpid():
		t.Errorf("child ppid %d, Parent().Pid() %d, want %d", id.PPid, id.ParentPid, os.Getpid())
	case id.ParentName != "MainProcess":
		t.Errorf("Parent().Name() = %q", id.ParentName)
	case !bytes.Equal(id.AuthKey, me.AuthKey()):
		t.Errorf("child auth key differs from the parent's")
	case id.Daemon:
		t.Errorf("child thinks it is a daemon")
	}

	key := []byte("a key of our own")
	id, err = whoAmI.Call(ctx, "x", mproc.WithAuthKey(key), mproc.WithDaemon(true))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(id.AuthKey, key) || !id.Daemon {
		t.Fatalf("WithAuthKey/WithDaemon not seen by the child: %q daemon=%v", id.AuthKey, id.Daemon)
	}
}

func TestDefaultNamesCount(t *testing.T) {
	t.Parallel()
	a := noop.Process(mproc.None{})
	b := noop.Process(mproc.None{})
	var na, nb int
	if _, err := fmtSscan(a.Name(), &na); err != nil {
		t.Fatalf("name %q", a.Name())
	}
	if _, err := fmtSscan(b.Name(), &nb); err != nil {
		t.Fatalf("name %q", b.Name())
	}
	if nb <= na {
		t.Fatalf("names %q then %q do not count up", a.Name(), b.Name())
	}
	if a.String() != "<Process("+a.Name()+", initial)>" {
		t.Fatalf("String() = %q", a.String())
	}
}

func TestJoinDeadline(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	p, err := blockUntilCancelled.Start(ctx, mproc.None{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { p.Kill(); p.Join(ctx) }()

	expired, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel()
	if err := p.Join(expired); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Join(expired) = %v", err)
	}
	short, cancel2 := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel2()
	start := time.Now()
	if _, err := p.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait(50ms) = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Wait(50ms) took %v", d)
	}
	if alive, _ := p.IsAlive(); !alive {
		t.Fatal("process died from a Join timeout")
	}
}

func TestTerminateCancelsContextFirst(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	marker := filepath.Join(t.TempDir(), "cleanup")
	p, err := cleanupOnCancel.Start(ctx, marker)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	_, err = p.Wait(ctx)
	var ee *mproc.ExitError
	if !errors.As(err, &ee) || ee.Code != -15 || ee.Signal != syscall.SIGTERM {
		t.Fatalf("Wait after Terminate = %v", err)
	}
	if b, err := os.ReadFile(marker); err != nil || string(b) != "cleaned up" {
		t.Fatalf("the child did not clean up: %q, %v", b, err)
	}
	if err := p.Terminate(); err != nil {
		t.Fatalf("Terminate of an ended process: %v", err)
	}
}

func TestTerminateGraceRunsOut(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	p, err := sleepFor.Start(ctx, time.Minute, mproc.WithTerminateGrace(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	p.Terminate()
	if err := p.Join(ctx); err != nil {
		t.Fatal(err)
	}
	if code, _ := p.ExitCode(); code != -15 {
		t.Fatalf("exit code %d", code)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("terminate of a target ignoring its context took %v", d)
	}
}

func TestKill(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	p, err := sleepFor.Start(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	_, err = p.Wait(ctx)
	var ee *mproc.ExitError
	if !errors.As(err, &ee) || ee.Code != -9 || ee.Signal != syscall.SIGKILL {
		t.Fatalf("Wait after Kill = %v", err)
	}
	if alive, _ := p.IsAlive(); alive {
		t.Fatal("alive after Kill")
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	p, err := blockUntilCancelled.Start(ctx, mproc.None{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); !errors.Is(err, mproc.ErrStillRunning) {
		t.Fatalf("Close of a live process = %v", err)
	}
	p.Terminate()
	p.Join(ctx)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if _, err := p.IsAlive(); !errors.Is(err, mproc.ErrClosed) {
		t.Errorf("IsAlive after Close = %v", err)
	}
	if err := p.Join(ctx); !errors.Is(err, mproc.ErrClosed) {
		t.Errorf("Join after Close = %v", err)
	}
	if err := p.Terminate(); !errors.Is(err, mproc.ErrClosed) {
		t.Errorf("Terminate after Close = %v", err)
	}
	if err := p.Start(ctx); !errors.Is(err, mproc.ErrClosed) {
		t.Errorf("Start after Close = %v", err)
	}
	unstarted := noop.Process(mproc.None{})
	if err := unstarted.Close(); err != nil {
		t.Errorf("Close of an unstarted process = %v", err)
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)

	pe, _ := failWith.Start(ctx, "no tickets left")
	_, err := pe.Wait(ctx)
	var re *mproc.RemoteError
	if !errors.As(err, &re) || re.Message != "no tickets left" || re.Pid != pe.Pid() || re.Panicked {
		t.Fatalf("error from child = %#v", err)
	}
	if code, _ := pe.ExitCode(); code != 1 {
		t.Fatalf("exit code after an error = %d", code)
	}

	pt, _ := failTimeout.Start(ctx, mproc.None{})
	if _, err := pt.Wait(ctx); !errors.Is(err, mproc.ErrTimeout) {
		t.Fatalf("a child error wrapping ErrTimeout = %v, does not match it", err)
	}

	pp, _ := panicWith.Start(ctx, "boom")
	_, err = pp.Wait(ctx)
	if !errors.As(err, &re) || !re.Panicked || re.Message != "boom" || !strings.Contains(re.Stack, "funcs_test.go") {
		t.Fatalf("panic from child = %v", err)
	}
	if code, _ := pp.ExitCode(); code != 1 {
		t.Fatalf("exit code after a panic = %d", code)
	}

	px, _ := exitWith.Start(ctx, 3)
	_, err = px.Wait(ctx)
	var ee *mproc.ExitError
	if !errors.As(err, &ee) || ee.Code != 3 || ee.Signal != 0 {
		t.Fatalf("Exit(3) = %v", err)
	}
	px0, _ := exitWith.Start(ctx, 0)
	if _, err := px0.Wait(ctx); !errors.Is(err, mproc.ErrNoResult) {
		t.Fatalf("Exit(0) = %v, want ErrNoResult", err)
	}
	if code, _ := px0.ExitCode(); code != 0 {
		t.Fatalf("Exit(0) exit code %d", code)
	}
}

func TestErrorTextOnChildStderr(t *testing.T) {
	t.Parallel()
	// The helper's child inherits the helper's stderr, which we capture.
	out, err := execHelper(t, "fail-stderr").CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Process Process-1:\nthe child's own words") {
		t.Fatalf("child's stderr lacks the error:\n%s", out)
	}
	if !strings.Contains(string(out), "ERR mproc: Process-1 (pid ") {
		t.Fatalf("parent did not get a RemoteError:\n%s", out)
	}
}

func TestRunnerSubclassStyle(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	if _, err := worker.Call(ctx, greeter{Name: "bucuo"}); err != nil {
		t.Fatal(err)
	}
	if _, err := worker.Call(ctx, greeter{}); err == nil || !strings.Contains(err.Error(), "without a name") {
		t.Fatalf("Run's error = %v", err)
	}
}

func TestSpares(t *testing.T) {
	// Not parallel: spares are process-wide.
	ctx := ctxTimeout(t, 30*time.Second)
	mproc.WarmSpares(2)
	defer mproc.WarmSpares(0)
	if err := mproc.AwaitSpares(ctx); err != nil {
		t.Fatal(err)
	}
	spares := spawnChildren()
	if len(spares) < 2 {
		t.Fatalf("AwaitSpares returned with %d children waiting", len(spares))
	}
	for i := range 20 {
		id, err := whoAmI.Call(ctx, "spare")
		if err != nil {
			t.Fatal(err)
		}
		if id.PPid != os.Getpid() || id.Arg != "spare" {
			t.Fatalf("round %d: %+v", i, id)
		}
		if got := len(mproc.ActiveChildren()); got != 0 {
			t.Fatalf("spares are listed as active children: %d", got)
		}
	}
	// The first two calls took the spares that were waiting.
	if p, err := whoAmI.Start(ctx, "late"); err != nil || slices.Contains(spares, p.Pid()) {
		t.Fatalf("a spare was used twice: %v %v", p, err)
	}
	mproc.WarmSpares(0)
	for _, pid := range spares {
		waitGone(t, pid, 10*time.Second)
	}
}
