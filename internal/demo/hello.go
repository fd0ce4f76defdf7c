package demo

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
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
			"main process does not wait, so its line comes first; with join the order is fixed. Then the subclass " +
			"style, class aiyou(Process) with a run method; five children printing their pid and their parent's; " +
			"and ten children whose print order is not their start order.",
		Run: stage(runHello),
	})
}

func runHello(ctx context.Context, con *console, started *[]*mproc.Process) error {

	me := mproc.Current()
	con.Printf("main: I am %s, pid %d (current_process().pid); my own parent is pid %d", me.Name(), me.Pid(), os.Getppid())

	// 1. Without join.
	con.Printf("\n1. p.start() without p.join(): the main process goes on at once")
	p := helloTask.Process(helloArg{Console: con.path, Greet: "jaychou", WorkMs: 200})
	startErr := make(chan error, 1)
	go func() { startErr <- p.Start(ctx) }() // CPython's start(): go on before the child runs
	con.Printf("main: 我是父进程 (\"I am the parent\"), printed right after starting the child")
	if err := <-startErr; err != nil {
		return err
	}
	*started = append(*started, p.Process)
	ids, err := p.Wait(ctx) // not part of the story: the demo leaves nothing running
	if err != nil {
		return err
	}
	if err := checkIDs(p.Process, ids); err != nil {
		return err
	}
	order, err := lineOrder(ctx, con, "main: 我是父进程", fmt.Sprintf("child %s: start", p.Name()))
	if err != nil {
		return err
	}
	if !order {
		return fmt.Errorf("hello: without join the child's first line came before the main process's line")
	}
	con.Printf("   The main process's line came first, before even the child's start line: it did not wait.\n"+
		"   Why every time: CPython's start() forks and returns before the child runs a line. mproc's Start\n"+
		"   returns later, once the child runs and has taken its work (so that it can report a failed start),\n"+
		"   and from then on the two race to print. Started from a goroutine, as here, Start goes on in the\n"+
		"   background and the main process prints while the child is still being exec'd (about a millisecond).\n"+
		"   The child reported pid %d and ppid %d: its parent is this process.", ids.Pid, ids.Ppid)

	// 2. With join.
	con.Printf("\n2. p.start(); p.join(): the main process waits for the child")
	p2, err := helloTask.Start(ctx, helloArg{Console: con.path, Greet: "jaychou", WorkMs: 200})
	if err != nil {
		return err
	}
	*started = append(*started, p2.Process)
	if err := p2.Join(ctx); err != nil {
		return err
	}
	con.Printf("main: 我是父进程 (after join)")
	ids, err = p2.Wait(ctx)
	if err != nil {
		return err
	}
	if err := checkIDs(p2.Process, ids); err != nil {
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

	if err := helloFive(ctx, con, started); err != nil {
		return err
	}
	return helloTen(ctx, con, started)
}

// helloSquare is the seed's f(x): it prints its pid and its parent's, and
// returns x*x.
var helloSquare = mproc.Register[helloArg, int]("demo.hello.square", func(a helloArg) int {
	say(a.Console, "  子进程id (child pid): %d  父进程id (parent pid): %d  x=%d", os.Getpid(), os.Getppid(), a.WorkMs)
	return a.WorkMs * a.WorkMs
})

// helloFive is the seed's five children printing their pid and ppid.
func helloFive(ctx context.Context, con *console, started *[]*mproc.Process) error {
	con.Printf("\n4. 主进程id (main pid): %d; for i in range(5): Process(target=f, args=(i,)).start()", os.Getpid())
	var ps []*mproc.Proc[int]
	for i := range 5 {
		p, err := helloSquare.Start(ctx, helloArg{Console: con.path, WorkMs: i})
		if err != nil {
			return err
		}
		*started = append(*started, p.Process)
		ps = append(ps, p)
	}
	pids := map[int]bool{}
	for i, p := range ps {
		sq, err := p.Wait(ctx)
		if err != nil {
			return err
		}
		if sq != i*i {
			return fmt.Errorf("hello: f(%d) returned %d", i, sq)
		}
		line, err := con.waitLine(ctx, fmt.Sprintf("child pid): %d ", p.Pid()), 2*time.Second)
		if err != nil {
			return err
		}
		if !strings.Contains(line, fmt.Sprintf("parent pid): %d ", os.Getpid())) {
			return fmt.Errorf("hello: child %d printed %q: its parent is not this process", p.Pid(), line)
		}
		pids[p.Pid()] = true
	}
	if len(pids) != 5 {
		return fmt.Errorf("hello: five children had %d distinct pids", len(pids))
	}
	con.Printf("   Five pids, one parent: every child's os.getppid() is this process, %d.", os.Getpid())
	return nil
}

// helloPrint is the seed's func(arg): print(arg).
var helloPrint = mproc.Register[helloArg, mproc.None]("demo.hello.print", func(a helloArg) {
	say(a.Console, "  child: %d", a.WorkMs)
})

// helloTen is the seed's ten children started in a loop: the order they
// print in is the order the OS ran them, not the order they were started.
func helloTen(ctx context.Context, con *console, started *[]*mproc.Process) error {
	con.Printf("\n5. for i in range(10): Process(target=func, args=(i,)).start(): each child prints its i")
	ps := make([]*mproc.Proc[mproc.None], 10)
	errs := make(chan error, len(ps))
	for i := range ps {
		ps[i] = helloPrint.Process(helloArg{Console: con.path, WorkMs: i})
		p := ps[i]
		go func() { errs <- p.Start(ctx) }() // as CPython's start(): the loop does not wait for the child
	}
	var startErr error
	for range ps {
		if err := <-errs; err != nil && startErr == nil {
			startErr = err
		}
	}
	for _, p := range ps {
		if p.Pid() != 0 { // started
			*started = append(*started, p.Process)
		}
	}
	if startErr != nil {
		return startErr
	}
	for _, p := range ps {
		if err := p.Join(ctx); err != nil {
			return err
		}
	}
	var order []int
	for i := range ps {
		at := con.index(fmt.Sprintf("  child: %d", i))
		if at < 0 {
			return fmt.Errorf("hello: child %d printed nothing", i)
		}
		order = append(order, at)
	}
	printed := make([]int, len(ps))
	for i := range printed {
		printed[i] = i
	}
	slices.SortFunc(printed, func(a, b int) int { return order[a] - order[b] })
	if slices.IsSorted(printed) {
		con.Printf("   Printed in the order %v: this time the same as the start order; run it again and it will differ.", printed)
	} else {
		con.Printf("   Printed in the order %v, not 0 to 9: 子进程的执行顺序不是根据启动顺序决定的 (children run in the\n"+
			"   order the OS schedules them, not the order they were started).", printed)
	}
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
