// Command daemon is the seeds' daemon story: the emperor (皇帝) starts a
// daemon guard (p.daemon = True before p.start()) that would keep watch for
// four seconds, reigns a little and dies; the guard dies with him. Then a
// daemon tries to start a child of its own, which CPython refuses with
// "daemonic processes are not allowed to have children". Last, a daemon foo
// and a non-daemon bar: when main's code ends, mproc.Shutdown ends foo and
// waits for bar, as CPython does at exit, so end456 comes after main-------.
//
// Run it with: go run ./examples/daemon
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"mproc"
)

// guard would keep watch for four seconds, printing as it goes.
var guard = mproc.Register[mproc.None, mproc.None]("daemon.guard", func(ctx context.Context) {
	fmt.Printf("  guard: on duty (pid %d, daemon=%v)\n", os.Getpid(), mproc.Current().Daemon())
	for i := 1; i <= 40; i++ {
		select {
		case <-time.After(100 * time.Millisecond): // keeping watch
		case <-ctx.Done():
			return
		}
		fmt.Printf("  guard: still on duty (%d)\n", i)
	}
	fmt.Println("  guard: four seconds are over") // never printed: the emperor dies first
})

// emperor starts a daemon guard, reigns 250 ms and returns without joining
// it: his process ends, and the guard with it. He returns the guard's pid.
var emperor = mproc.Register[mproc.None, int]("daemon.emperor", func(ctx context.Context) (int, error) {
	g, err := guard.Start(ctx, mproc.None{}, mproc.WithDaemon(true))
	if err != nil {
		return 0, err
	}
	time.Sleep(250 * time.Millisecond) // the reign
	fmt.Println("  emperor: 皇帝驾崩啦 (the emperor dies)")
	return g.Pid(), nil
})

// father is a daemon that tries to start a child.
var father = mproc.Register[mproc.None, mproc.None]("daemon.father", func(ctx context.Context) error {
	p, err := guard.Start(ctx, mproc.None{})
	if err != nil {
		return err
	}
	p.Kill()
	return errors.New("a daemon was allowed to start a child")
})

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "daemon:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	fmt.Println("1. the emperor starts a daemon guard and dies")
	e, err := emperor.Start(ctx, mproc.None{})
	if err != nil {
		return err
	}
	guardPid, err := e.Wait(ctx)
	if err != nil {
		return err
	}
	if err := waitGone(ctx, guardPid); err != nil {
		return err
	}
	fmt.Printf("main: the guard (pid %d) ended with the emperor, long before its four seconds\n", guardPid)

	fmt.Println("2. a daemon tries to start a child")
	f, err := father.Start(ctx, mproc.None{}, mproc.WithDaemon(true))
	if err != nil {
		return err
	}
	_, err = f.Wait(ctx)
	if !errors.Is(err, mproc.ErrDaemonic) {
		return fmt.Errorf("want an error matching ErrDaemonic, got %v", err)
	}
	fmt.Printf("main: refused: %v\n", err)

	fmt.Println("3. a daemon foo and a non-daemon bar; main's code ends")
	if _, err := sleeper.Start(ctx, sleep{N: 123, Ms: 200}, mproc.WithDaemon(true)); err != nil {
		return err
	}
	if _, err := sleeper.Start(ctx, sleep{N: 456, Ms: 400}); err != nil {
		return err
	}
	time.Sleep(10 * time.Millisecond) // the seed's time.sleep(0.1)
	fmt.Println("main-------")
	// CPython, at exit, terminates the daemons and joins the other children.
	// A Go main says so: without Shutdown, bar would be left as an orphan.
	return mproc.Shutdown(ctx)
}

type sleep struct{ N, Ms int }

// sleeper is the seed's foo (123, 1 s) and bar (456, 3 s), scaled down;
// terminated, it returns early.
var sleeper = mproc.Register[sleep, mproc.None]("daemon.sleeper", func(ctx context.Context, a sleep) {
	fmt.Println(a.N)
	select {
	case <-time.After(time.Duration(a.Ms) * time.Millisecond):
		fmt.Printf("end%d\n", a.N)
	case <-ctx.Done():
	}
})

// waitGone waits until pid no longer runs; a zombie waiting to be reaped
// counts as gone, since it runs no code.
func waitGone(ctx context.Context, pid int) error {
	deadline := time.Now().Add(2 * time.Second)
	for running(pid) {
		if time.Now().After(deadline) {
			return fmt.Errorf("the guard (pid %d) still runs 2s after the emperor died", pid)
		}
		select {
		case <-time.After(10 * time.Millisecond): // polling the kernel, no other way to wait for a non-child
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// running reads the process's state from /proc: absent or zombie is not running.
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z"
}
