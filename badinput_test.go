package mproc_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"mproc"
)

// A function registered after mproc.Main (here: inside a test) exists in the
// parent but not in the child, which re-runs the binary from the start and
// stops at mproc.Main. Start says so without starting anything.
func TestRegisteredTooLate(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	late := mproc.Register[int, int]("test.registered.late", func(x int) int { return x })
	p, err := late.Start(ctx, 1)
	if !errors.Is(err, mproc.ErrNotRegistered) || !strings.Contains(err.Error(), "package level") {
		t.Fatalf("Start of a late registration = %v", err)
	}
	if p.Pid() != 0 {
		t.Fatalf("a child (pid %d) was started for it", p.Pid())
	}
}

func TestDuplicateRegisterPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "test.square") {
			t.Fatalf("recover() = %v", r)
		}
	}()
	mproc.Register[int, int]("test.square", func(x int) int { return x })
}

type withCallback struct {
	Name     string
	Callback func()
}

var (
	takeAny      = mproc.Register[any, mproc.None]("test.takeany", func(any) {})
	takeChan     = mproc.Register[chan int, mproc.None]("test.takechan", func(chan int) {})
	takePointer  = mproc.Register[unsafe.Pointer, mproc.None]("test.takeptr", func(unsafe.Pointer) {})
	takeCallback = mproc.Register[withCallback, mproc.None]("test.takecb", func(withCallback) {})
)

func TestUnencodableArguments(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	x := 1
	cases := []struct {
		name  string
		start func() (*mproc.Process, error)
		want  string
	}{
		{"func in any", func() (*mproc.Process, error) {
			p, err := takeAny.Start(ctx, func() {})
			return p.Process, err
		}, "func()"},
		{"chan", func() (*mproc.Process, error) {
			p, err := takeChan.Start(ctx, make(chan int))
			return p.Process, err
		}, "chan int"},
		{"unsafe.Pointer", func() (*mproc.Process, error) {
			p, err := takePointer.Start(ctx, unsafe.Pointer(&x))
			return p.Process, err
		}, "unsafe.Pointer"},
		{"struct holding a func", func() (*mproc.Process, error) {
			p, err := takeCallback.Start(ctx, withCallback{Name: "x"})
			return p.Process, err
		}, "mproc_test.withCallback to another process: .Callback is a func"},
	}
	for _, c := range cases {
		p, err := c.start()
		if !errors.Is(err, mproc.ErrUnencodable) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Start = %v, want ErrUnencodable naming %q", c.name, err, c.want)
		}
		if p.Pid() != 0 || len(mproc.ActiveChildren()) > 0 && p.Pid() != 0 {
			t.Errorf("%s: a child was started anyway", c.name)
		}
		if alive, _ := p.IsAlive(); alive {
			t.Errorf("%s: alive", c.name)
		}
	}
}

func TestUnencodableResultFailsThatTaskOnly(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	for range 3 {
		p, err := badResult.Start(ctx, mproc.None{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Wait(ctx)
		if !errors.Is(err, mproc.ErrUnencodable) || !strings.Contains(err.Error(), "func()") {
			t.Fatalf("Wait = %v", err)
		}
		if code, _ := p.ExitCode(); code != 1 {
			t.Fatalf("exit code %d", code)
		}
	}
}

func TestWrongState(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	p := noop.Process(mproc.None{})
	if err := p.Join(ctx); !errors.Is(err, mproc.ErrNotStarted) {
		t.Errorf("Join before Start = %v", err)
	}
	if err := p.Terminate(); !errors.Is(err, mproc.ErrNotStarted) {
		t.Errorf("Terminate before Start = %v", err)
	}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(ctx); !errors.Is(err, mproc.ErrStarted) {
		t.Errorf("second Start = %v", err)
	}
	if err := p.Join(ctx); err != nil {
		t.Fatal(err)
	}
	if err := mproc.Current().Join(ctx); err == nil {
		t.Error("the current process joined itself")
	}
	if err := mproc.Current().Start(ctx); err == nil {
		t.Error("started the current process")
	}
}

// buildHelper compiles testdata/nomain.
func buildHelper(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "nomain")
	out, err := exec.Command("go", "build", "-o", bin, "./testdata/nomain").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func helperFields(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		k, v, _ := strings.Cut(line, " ")
		if _, seen := m[k]; !seen {
			m[k] = v
		}
	}
	return m
}

// A binary whose main does not call mproc.Main: Start fails within a few
// seconds with an error that says to add it, and the child is dead by then.
func TestMissingMain(t *testing.T) {
	t.Parallel()
	bin := buildHelper(t)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "parent").Output()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	f := helperFields(string(out))
	if !strings.Contains(f["ERR"], "add mproc.Main() as the first line of main") {
		t.Fatalf("Start error = %q\n%s", f["ERR"], out)
	}
	if ms, _ := strconv.Atoi(f["ELAPSED"]); ms > 10_000 {
		t.Fatalf("Start took %d ms to fail", ms)
	}
	child, _ := strconv.Atoi(f["CHILD"])
	if child <= 0 || running(child) {
		t.Fatalf("the child %d that never called mproc.Main is still running", child)
	}
	if strings.Contains(string(out), "USER PROGRAM FINISHED") {
		t.Fatal("the child ran the user's program to its end")
	}

	// A program that never called mproc.Main itself is told at once.
	out, err = exec.CommandContext(ctx, bin, "forgetful").Output()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	f = helperFields(string(out))
	if !strings.Contains(f["ERR"], "call mproc.Main() as the first line of main") || f["CHILD"] != "0" {
		t.Fatalf("forgetful parent: %q", out)
	}
	if ms, _ := strconv.Atoi(f["ELAPSED"]); ms > 1000 {
		t.Fatalf("forgetful Start took %d ms", ms)
	}
	_ = os.Getpid
}
