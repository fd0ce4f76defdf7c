// Command hello is the seeds' first multiprocessing program: task() runs in
// a child process (Process(target=task).start()) and prints its pid and its
// parent's pid; the main process prints its own line, first without join, so
// it does not wait, then with join, so the child always ends first. Last, the
// subclass style: class aiyou(Process) with a run method; then five children
// print their pid and ppid, and ten print in the order they run.
//
// Run it with: go run ./examples/hello
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"mproc"
)

type ids struct{ Pid, Ppid int }

// task is the seed's task(name): it works for 200 ms between start and end.
var task = mproc.Register[string, ids]("hello.task", func(name string) ids {
	me := mproc.Current()
	fmt.Printf("  child %s: start... hello %s  pid=%d ppid=%d\n", me.Name(), name, me.Pid(), os.Getppid())
	time.Sleep(200 * time.Millisecond) // the task's work
	fmt.Printf("  child %s: end\n", me.Name())
	return ids{Pid: me.Pid(), Ppid: os.Getppid()}
})

// aiyou is `class aiyou(Process)`: its fields are the constructor's
// arguments and Run is `def run(self)`.
type aiyou struct{ Name string }

func (a aiyou) Run(ctx context.Context) error {
	fmt.Printf("  child: process %s is running, pid=%d ppid=%d\n", a.Name, os.Getpid(), os.Getppid())
	return nil
}

var aiyouProcess = mproc.RegisterRunner[aiyou]("hello.aiyou")

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	fmt.Printf("main: pid %d\n", os.Getpid())

	fmt.Println("1. start() without join(): the main process goes on at once")
	// Start returns once the child runs and has its work, so a line printed
	// after it races the child's. CPython's start() returns before the child
	// runs; a goroutine gives the same: the parent prints while the child is
	// still being exec'd.
	p := task.Process("jaychou")
	started := make(chan error, 1)
	go func() { started <- p.Start(ctx) }()
	fmt.Println("main: I am the parent, printed right after start()")
	if err := <-started; err != nil {
		return err
	}
	if err := check(ctx, p); err != nil {
		return err
	}

	fmt.Println("2. start(); join(): the main process waits for the child")
	p, err := task.Start(ctx, "jaychou")
	if err != nil {
		return err
	}
	if err := p.Join(ctx); err != nil {
		return err
	}
	fmt.Println("main: I am the parent, printed after join()")
	if err := check(ctx, p); err != nil {
		return err
	}

	fmt.Println("3. the subclass style: aiyou{Name: \"bucuo\"}.start()")
	a, err := aiyouProcess.Start(ctx, aiyou{Name: "bucuo"})
	if err != nil {
		return err
	}
	if _, err := a.Wait(ctx); err != nil {
		return err
	}

	fmt.Printf("4. five children print their pid and their parent's (main pid %d)\n", os.Getpid())
	for i := range 5 {
		if _, err := square.Call(ctx, i); err != nil {
			return err
		}
	}

	fmt.Println("5. ten children started in a loop print in the order they run, not the order started")
	errs := make(chan error, 10)
	for i := range 10 {
		p := echo.Process(i)
		go func() {
			if err := p.Start(ctx); err != nil {
				errs <- err
				return
			}
			errs <- p.Join(ctx)
		}()
	}
	for range 10 {
		if err := <-errs; err != nil {
			return err
		}
	}
	fmt.Println("main: done")
	return mproc.Shutdown(ctx)
}

// square is the seed's f(x): it prints its pid and its parent's.
var square = mproc.Register[int, int]("hello.square", func(x int) int {
	fmt.Printf("  child pid %d, parent pid %d\n", os.Getpid(), os.Getppid())
	return x * x
})

// echo is the seed's func(arg): print(arg).
var echo = mproc.Register[int, mproc.None]("hello.echo", func(i int) { fmt.Printf("  child %d\n", i) })

// check waits for a task and makes sure it ran in a child of this process.
func check(ctx context.Context, p *mproc.Proc[ids]) error {
	got, err := p.Wait(ctx)
	if err != nil {
		return err
	}
	if got.Pid != p.Pid() || got.Ppid != os.Getpid() {
		return fmt.Errorf("the child reported pid %d ppid %d, want %d and %d", got.Pid, got.Ppid, p.Pid(), os.Getpid())
	}
	fmt.Printf("main: the child was pid %d and its parent is me\n", got.Pid)
	return nil
}
