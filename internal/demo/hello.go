package demo

import (
	"context"
	"fmt"
	"os"
	"time"

	"mproc"
)

// The seeds' first program: task() prints start and end with its pid and
// its parent's pid, and the main process prints its own line with or
// without joining the child first.

type helloArg struct {
	Console string
	Greet   string // the seed's f('jaychou')
	WorkMs  int    // the seed's time.sleep, scaled down
}

type helloIDs struct{ Pid, Ppid int }

var helloTask = mproc.Register[helloArg, helloIDs]("demo.hello.task", func(a helloArg) helloIDs {
	me := mproc.Current()
	say(a.Console, "  child %s: start.... hello %s  current_process().pid=%d  os.getppid()=%d", me.Name(), a.Greet, me.Pid(), os.Getppid())
	time.Sleep(time.Duration(a.WorkMs) * time.Millisecond) // the task's work
	say(a.Console, "  child %s: end...... pid=%d", me.Name(), os.Getpid())
	return helloIDs{Pid: me.Pid(), Ppid: os.Getppid()}
})

// aiyou is the seed's `class aiyou(Process)`: its fields are the
// constructor's arguments and Run is `def run(self)`.
type aiyou struct {
	Console string
	Name    string
}

func (a aiyou) Run(ctx context.Context) error {
	me := mproc.Current()
	say(a.Console, "  child %s: 当前%s子进程正在执行 (process %s is running)  pid=%d  ppid=%d", me.Name(), a.Name, a.Name, me.Pid(), os.Getppid())
	return nil
}

var aiyouProcess = mproc.RegisterRunner[aiyou]("demo.hello.aiyou")

func init() {
	add(Demo{
		Name:  "hello",
		Title: "Start a function in a child process, join it, and see who prints first",
		Intro: "The seeds' first program: task() runs in a child process and prints start and end with " +
			"current_process().pid and os.getppid(); the main process prints its own line. Without join the " +
			"main process does not wait, so its line comes before the child's end; with join the order is " +
			"fixed. Last, the subclass style: class aiyou(Process) with a run method.",
		Run: stage(runHello),
	})
}

func runHello(ctx context.Context, con *console, started *[]*mproc.Process) error {

	me := mproc.Current()
	con.Printf("main: I am %s, pid %d (current_process().pid); my own parent is pid %d", me.Name(), me.Pid(), os.Getppid())

	// 1. Without join.
	con.Printf("\n1. p.start() without p.join(): the main process goes on at once")
	p, err := helloTask.Start(ctx, helloArg{Console: con.path, Greet: "jaychou", WorkMs: 200})
	if err != nil {
		return err
	}
	*started = append(*started, p.Process)
	con.Printf("main: 我是父进程 (\"I am the parent\"), printed right after start()")
	ids, err := p.Wait(ctx) // not part of the story: the demo leaves nothing running
	if err != nil {
		return err
	}
	if err := checkIDs(p.Process, ids); err != nil {
		return err
	}
	order, err := lineOrder(ctx, con, "main: 我是父进程", fmt.Sprintf("end...... pid=%d", ids.Pid))
	if err != nil {
		return err
	}
	if !order {
		return fmt.Errorf("hello: without join the child's end came before the main process's line")
	}
	con.Printf("   The main process's line came before the child's end: it did not wait. (mproc's start returns once the\n"+
		"   child has taken its work, so the child's start line may land just before or just after it.)\n"+
		"   The child reported pid %d and ppid %d: its parent is this process.", ids.Pid, ids.Ppid)

	// 2. With join.
	con.Printf("\n2. p.start(); p.join(): the main process waits for the child")
	p, err = helloTask.Start(ctx, helloArg{Console: con.path, Greet: "jaychou", WorkMs: 200})
	if err != nil {
		return err
	}
	*started = append(*started, p.Process)
	if err := p.Join(ctx); err != nil {
		return err
	}
	con.Printf("main: 我是父进程 (after join)")
	ids, err = p.Wait(ctx)
	if err != nil {
		return err
	}
	if err := checkIDs(p.Process, ids); err != nil {
		return err
	}
	order, err = lineOrder(ctx, con, fmt.Sprintf("end...... pid=%d", ids.Pid), "main: 我是父进程 (after join)")
	if err != nil {
		return err
	}
	if !order {
		return fmt.Errorf("hello: with join the main process's line came before the child's end")
	}
	con.Printf("   With join the order is always start, end, then the main process.")

	// 3. The subclass style.
	con.Printf("\n3. The subclass style: class aiyou(Process) with def run(self); p = aiyou('bucuo'); p.start()")
	a, err := aiyouProcess.Start(ctx, aiyou{Console: con.path, Name: "bucuo"}, mproc.WithName("bucuo"))
	if err != nil {
		return err
	}
	*started = append(*started, a.Process)
	if _, err := a.Wait(ctx); err != nil {
		return err
	}
	if code, _ := a.ExitCode(); code != 0 {
		return fmt.Errorf("hello: aiyou exited with %d", code)
	}
	if _, err := con.waitLine(ctx, "child bucuo: 当前bucuo子进程正在执行", 2*time.Second); err != nil {
		return err
	}
	con.Printf("main: joined %v", a)
	return nil
}

// checkIDs checks what a hello child reported about itself.
func checkIDs(p *mproc.Process, ids helloIDs) error {
	if ids.Pid != p.Pid() {
		return fmt.Errorf("hello: the child says its pid is %d, its Process says %d", ids.Pid, p.Pid())
	}
	if ids.Ppid != os.Getpid() {
		return fmt.Errorf("hello: the child's parent is %d, not this process (%d)", ids.Ppid, os.Getpid())
	}
	return nil
}

// lineOrder waits for lines containing first and second and reports whether
// first came earlier.
func lineOrder(ctx context.Context, con *console, first, second string) (bool, error) {
	for _, s := range []string{first, second} {
		if _, err := con.waitLine(ctx, s, 3*time.Second); err != nil {
			return false, err
		}
	}
	return con.index(first) < con.index(second), nil
}
