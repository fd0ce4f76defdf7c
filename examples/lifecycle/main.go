// Command lifecycle is CPython's exitcode example and the four ways the seeds
// say a process ends: normally (exit code 0), with an error (1), by
// sys.exit(n) (n), by a fatal error (1), or killed by another process:
// terminate() (-15) and kill() (-9). It prints each process's state and
// exitcode before start, after start and after join; is_alive right after
// terminate() (still true: terminate only asks); the children's stderr,
// captured with mproc.WithStderr so it does not land among the tables; the
// authkey a child inherits; run() called directly; and join(timeout).
//
// Run it with: go run ./examples/lifecycle
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
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
	stderr := make([]*bytes.Buffer, len(modes))
	for i, m := range modes {
		stderr[i] = new(bytes.Buffer) // read once the child is joined
		procs[i] = child.Process(arg{Mode: m, Gate: gate, Ready: ready}, mproc.WithStderr(stderr[i]))
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
	alive, _ := procs[4].IsAlive()
	fmt.Printf("main: right after terminate(), is_alive() = %v: it asks and does not wait\n", alive)
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
	for i, b := range stderr {
		if lines := strings.SplitN(strings.TrimSpace(b.String()), "\n", 3); lines[0] != "" {
			fmt.Printf("  the %s child's stderr began: %s\n", modes[i], strings.Join(lines[:min(2, len(lines))], " / "))
		}
	}
	if err := smaller(ctx); err != nil {
		return err
	}
	return mproc.Shutdown(ctx)
}

// key reports the pid it runs in and its process's authkey, or with wait
// set runs until told to stop.
func key(ctx context.Context, wait bool) (keyReply, error) {
	if wait {
		<-ctx.Done()
		return keyReply{}, ctx.Err()
	}
	return keyReply{Pid: os.Getpid(), Key: mproc.Current().AuthKey()}, nil
}

type keyReply struct {
	Pid int
	Key []byte
}

var keyFunc = mproc.Register[bool, keyReply]("lifecycle.key", key)

// smaller shows authkey, run() called directly and join(timeout).
func smaller(ctx context.Context) error {
	r, err := keyFunc.Call(ctx, false)
	if err != nil {
		return err
	}
	fmt.Printf("main: a child's authkey equals mine: %v\n", bytes.Equal(r.Key, mproc.Current().AuthKey()))

	r, err = key(ctx, false) // p.run(): the function, in this process
	if err != nil {
		return err
	}
	fmt.Printf("main: run() directly ran in pid %d, which is me: %v\n", r.Pid, r.Pid == os.Getpid())

	p, err := keyFunc.Start(ctx, true)
	if err != nil {
		return err
	}
	jctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond) // join(timeout=0.1)
	err = p.Join(jctx)
	cancel()
	alive, _ := p.IsAlive()
	fmt.Printf("main: join with a 100 ms timeout: %v; still alive: %v\n", err, alive)
	p.Terminate()
	return p.Join(ctx)
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
