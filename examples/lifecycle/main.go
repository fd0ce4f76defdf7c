// Command lifecycle is CPython's exitcode example and the four ways the seeds
// say a process ends: normally (exit code 0), with an error (1), by
// sys.exit(n) (n), by a fatal error (1), or killed by another process:
// terminate() (-15) and kill() (-9). It prints each process's state and
// exitcode before start, after start and after join.
//
// Run it with: go run ./examples/lifecycle
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"mproc"
)

type arg struct {
	Mode  string
	Gate  *mproc.Event     // holds the quick children until main has shown them running
	Ready *mproc.Semaphore // the long-running children release it once at work
}

var child = mproc.Register[arg, mproc.None]("lifecycle.child", func(ctx context.Context, a arg) error {
	if a.Mode == "terminate" || a.Mode == "kill" {
		fmt.Printf("  child %s: working until told to stop\n", a.Mode)
		a.Ready.Release()
		<-ctx.Done() // Terminate cancels the context first; Kill gives no warning
		fmt.Printf("  child %s: cleaning up before I go\n", a.Mode)
		return ctx.Err()
	}
	if err := a.Gate.Wait(ctx); err != nil {
		return err
	}
	switch a.Mode {
	case "error":
		return errors.New("no tickets left")
	case "exit":
		os.Exit(3) // sys.exit(3)
	case "panic":
		var tickets map[string]int
		//lint:ignore SA5000 the planned fatal error of this case
		tickets["jason"]++ // a fatal error: assignment to a nil map
	}
	return nil
})

var modes = []string{"ok", "error", "exit", "panic", "terminate", "kill"}

// want is each mode's exit code, as CPython's exitcode would say it.
var want = map[string]int{"ok": 0, "error": 1, "exit": 3, "panic": 1, "terminate": -15, "kill": -9}

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "lifecycle:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	gate, err := mproc.NewEvent()
	if err != nil {
		return err
	}
	ready, err := mproc.NewSemaphore(0)
	if err != nil {
		return err
	}
	procs := make([]*mproc.Proc[mproc.None], len(modes))
	for i, m := range modes {
		procs[i] = child.Process(arg{Mode: m, Gate: gate, Ready: ready})
	}
	show("before start", procs)
	for _, p := range procs {
		if err := p.Start(ctx); err != nil {
			return err
		}
	}
	for range 2 {
		if err := ready.Acquire(ctx); err != nil {
			return err
		}
	}
	show("after start", procs)
	gate.Set()
	fmt.Println("main: terminate() the fifth, kill() the sixth")
	if err := procs[4].Terminate(); err != nil {
		return err
	}
	if err := procs[5].Kill(); err != nil {
		return err
	}
	for _, p := range procs {
		if _, err := p.Wait(ctx); ctx.Err() != nil {
			return err
		}
	}
	show("after join", procs)
	for i, p := range procs {
		if code, _ := p.ExitCode(); code != want[modes[i]] {
			return fmt.Errorf("the %s child exited with %d, want %d", modes[i], code, want[modes[i]])
		}
	}
	fmt.Println("main: every exit code is as expected")
	return mproc.Shutdown(ctx)
}

// show prints each process's state, is_alive and exitcode.
func show(when string, procs []*mproc.Proc[mproc.None]) {
	fmt.Printf("%s:\n", when)
	for i, p := range procs {
		alive, _ := p.IsAlive()
		code := "None"
		if c, ok := p.ExitCode(); ok {
			code = fmt.Sprint(c)
		}
		fmt.Printf("  %-9s %-40s is_alive=%-5v exitcode=%s\n", modes[i], p, alive, code)
	}
}
