// Command endings shows the four ways the seeds say a process ends — a
// normal exit, an error exit, a fatal error, killed by another process —
// with one child per way and variant, and prints what mproc reports for
// each: the pid, the exit code (CPython's exitcode: -N for signal N) and the
// type of Wait's error.
//
// Run it with: go run ./examples/endings
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"mproc"
)

type arg struct {
	Mode  string
	Ready *mproc.Semaphore // the children to be ended from outside release it once at work
}

var nowhere *int // what the fatal-error children write through

var child = mproc.Register[arg, mproc.None]("endings.child", func(ctx context.Context, a arg) error {
	switch a.Mode {
	case "return":
		return nil
	case "error":
		return errors.New("open a.py: no such file or directory")
	case "exit":
		os.Exit(3) // sys.exit(3)
	case "panic":
		panic("1/0")
	case "nil-write":
		*nowhere = 1 // SIGSEGV, which Go's runtime turns into a panic
	case "segfault":
		if err := defaultSegv(); err != nil {
			return err
		}
		*nowhere = 1 // SIGSEGV, with nobody to catch it: the kernel kills the process
	case "terminate", "kill":
		a.Ready.Release()
		<-ctx.Done()
		return ctx.Err()
	}
	return fmt.Errorf("unknown mode %q", a.Mode)
})

var modes = []string{"return", "error", "exit", "panic", "nil-write", "segfault", "terminate", "kill"}

// want is each mode's exit code, as CPython's exitcode would say it.
var want = map[string]int{"return": 0, "error": 1, "exit": 3, "panic": 1, "nil-write": 1, "segfault": -11, "terminate": -15, "kill": -9}

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "endings:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	ready, err := mproc.NewSemaphore(0)
	if err != nil {
		return err
	}
	procs := make([]*mproc.Proc[mproc.None], len(modes))
	for i, m := range modes {
		// The children's reports of their errors and panics would go to our
		// stderr; the exit codes and errors below tell the story.
		procs[i], err = child.Start(ctx, arg{Mode: m, Ready: ready}, mproc.WithStderr(io.Discard))
		if err != nil {
			return err
		}
	}
	for range 2 {
		if err := ready.Acquire(ctx); err != nil {
			return err
		}
	}
	fmt.Println("main: Terminate() the terminate child, Kill() the kill child")
	if err := procs[6].Terminate(); err != nil {
		return err
	}
	if err := procs[7].Kill(); err != nil {
		return err
	}
	fmt.Printf("%-10s %-7s %-8s %s\n", "mode", "pid", "exitcode", "Wait's error")
	for i, p := range procs {
		_, err := p.Wait(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		code, _ := p.ExitCode()
		fmt.Printf("%-10s %-7d %-8d %T\n", modes[i], p.Pid(), code, err)
		if code != want[modes[i]] {
			return fmt.Errorf("the %s child exited with %d, want %d", modes[i], code, want[modes[i]])
		}
	}
	fmt.Println("main: every exit code is CPython's")
	return mproc.Shutdown(ctx)
}
