// Command zombie-orphan tells the seeds' 僵尸进程 (a zombie: a child that
// ended but that nobody reaped, still holding its pid) and 孤儿进程 (an
// orphan: a child whose parent died, adopted and reaped by the system's
// orphanage, init). An mproc child nobody joins is reaped all the same; and
// with SetSubreaper this process becomes the orphanage of its descendants.
//
// Run it with: go run ./examples/zombie-orphan
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"mproc"
)

// quick ends at once.
var quick = mproc.Register[mproc.None, mproc.None]("zombie.quick", func() {
	fmt.Printf("  child: pid %d, done at once\n", os.Getpid())
})

// father starts the orphan and ends without joining it.
var father = mproc.Register[*mproc.Event, int]("zombie.father", func(ctx context.Context, fatherDied *mproc.Event) (int, error) {
	o, err := orphan.Start(ctx, fatherDied)
	if err != nil {
		return 0, err
	}
	fmt.Printf("  father: pid %d, started pid %d and exits without joining it\n", os.Getpid(), o.Pid())
	return o.Pid(), nil
})

// orphan waits until its father has died and looks at who its parent is now.
var orphan = mproc.Register[*mproc.Event, mproc.None]("zombie.orphan", func(ctx context.Context, fatherDied *mproc.Event) error {
	if err := fatherDied.Wait(ctx); err != nil {
		return err
	}
	fmt.Printf("  orphan: my father died; os.getppid() is now %d\n", os.Getppid())
	return nil
})

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "zombie-orphan:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	fmt.Println("1. a child that nobody joins")
	q, err := quick.Start(ctx, mproc.None{})
	if err != nil {
		return err
	}
	if err := waitReaped(ctx, q.Pid()); err != nil {
		return err
	}
	fmt.Printf("main: pid %d ended and is gone from /proc: mproc reaps every child, joined or not\n", q.Pid())

	fmt.Println("2. an orphan: a child starts a grandchild and exits")
	if err := mproc.SetSubreaper(); err != nil {
		return err
	}
	fatherDied, err := mproc.NewEvent()
	if err != nil {
		return err
	}
	f, err := father.Start(ctx, fatherDied)
	if err != nil {
		return err
	}
	pid, err := f.Wait(ctx)
	if err != nil {
		return err
	}
	if ppid := parentOf(pid); ppid != os.Getpid() {
		return fmt.Errorf("the orphan %d has parent %d, not this process (%d)", pid, ppid, os.Getpid())
	}
	fmt.Printf("main: the father is gone; the orphan's parent is now me (pid %d), the subreaper\n", os.Getpid())
	fatherDied.Set()
	if err := waitReaped(ctx, pid); err != nil {
		return err
	}
	fmt.Println("main: the orphan ended and I reaped it: no zombie left")
	return mproc.Shutdown(ctx)
}

// waitReaped waits until pid is gone from /proc, which only reaping does:
// a zombie keeps its entry. There is no way to wait on a process one did
// not start, so it polls.
func waitReaped(ctx context.Context, pid int) error {
	deadline := time.Now().Add(5 * time.Second)
	for parentOf(pid) != 0 {
		if time.Now().After(deadline) {
			return fmt.Errorf("pid %d was not reaped within 5s", pid)
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// parentOf reads pid's parent from /proc/PID/stat, or 0 when there is no
// such process.
func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // state ppid ...
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}
