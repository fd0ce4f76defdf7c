package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"mproc"
)

// The seeds' daemon: 童子军 (the boy scout guard) is a daemon child that would
// print for a long time; when 皇帝 (the emperor, its parent) dies, the guard
// ends with it. And a daemon may not have children of its own.

type daemonArg struct {
	Console string
	ReignMs int // how long the emperor lives after starting its guard
}

type daemonPids struct{ Emperor, Guard int }

// daemonGuard would keep watch for four seconds.
var daemonGuard = mproc.Register[daemonArg, mproc.None]("demo.daemon.guard", func(ctx context.Context, a daemonArg) {
	me := mproc.Current()
	say(a.Console, "  guard %s: start.... 童子军jason1号 on duty (pid %d, daemon=%v)", me.Name(), me.Pid(), me.Daemon())
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := 1; i <= 80; i++ {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
		say(a.Console, "  guard %s: still on duty (%d)", me.Name(), i)
	}
	say(a.Console, "  guard %s: end...... after four seconds", me.Name())
})

// daemonEmperor starts the guard, reigns a little, and returns: its process
// ends, and its daemon with it.
var daemonEmperor = mproc.Register[daemonArg, daemonPids]("demo.daemon.emperor", func(ctx context.Context, a daemonArg) (daemonPids, error) {
	me := mproc.Current()
	say(a.Console, "  emperor %s: pid %d, starting a daemon guard", me.Name(), me.Pid())
	g, err := daemonGuard.Start(ctx, a, mproc.WithDaemon(true))
	if err != nil {
		return daemonPids{}, err
	}
	time.Sleep(time.Duration(a.ReignMs) * time.Millisecond) // the reign
	alive, _ := g.IsAlive()
	say(a.Console, "  emperor %s: my guard %v is alive: %v", me.Name(), g, alive)
	say(a.Console, "  emperor %s: 皇帝驾崩啦 (the emperor dies) — returning without joining the guard", me.Name())
	return daemonPids{Emperor: me.Pid(), Guard: g.Pid()}, nil
})

// daemonFather is a daemon that tries to start a child.
var daemonFather = mproc.Register[daemonArg, mproc.None]("demo.daemon.father", func(ctx context.Context, a daemonArg) error {
	me := mproc.Current()
	say(a.Console, "  daemon %s: trying to start a child of my own", me.Name())
	p, err := daemonGuard.Start(ctx, a)
	if err != nil {
		return fmt.Errorf("starting a child: %w", err)
	}
	p.Kill()
	p.Join(ctx)
	return errors.New("a daemon was allowed to start a child")
})

func init() {
	add(Demo{
		Name:  "daemon",
		Title: "Daemon children end when their parent ends, and may not have children",
		Intro: "A daemon child (p.daemon = True before p.start()) ends when its parent ends. The seed's emperor " +
			"starts a daemon guard that would print for a long time and then dies; the guard dies with him. " +
			"Here the emperor is itself a child process, so that we can watch from outside: the guard's pid " +
			"stops running the moment the emperor's process ends. A daemon may not start children: CPython " +
			"raises 'daemonic processes are not allowed to have children'; mproc returns ErrDaemonic.",
		Run: stage(runDaemon),
	})
}

func runDaemon(ctx context.Context, con *console, started *[]*mproc.Process) error {

	con.Printf("1. The emperor (a non-daemon child) starts a daemon guard, reigns 150 ms and dies:")
	e, err := daemonEmperor.Start(ctx, daemonArg{Console: con.path, ReignMs: 150})
	if err != nil {
		return err
	}
	*started = append(*started, e.Process)
	pids, err := e.Wait(ctx)
	if err != nil {
		return err
	}
	died := time.Now()
	con.Printf("main: the emperor %v is gone; its guard was pid %d", e, pids.Guard)
	if !pidRunning(pids.Guard) {
		con.Printf("main: the guard (pid %d) no longer runs: it was gone by the time the emperor's Wait returned,\n"+
			"      long before its four seconds; its \"end......\" line never comes", pids.Guard)
	} else {
		if !waitPidExit(ctx, pids.Guard, 2*time.Second) {
			return fmt.Errorf("daemon: the guard (pid %d) still runs 2s after the emperor died", pids.Guard)
		}
		con.Printf("main: the guard (pid %d) no longer runs: it stopped %v after the emperor's end, long before its four seconds;\n"+
			"      its \"end......\" line never comes", pids.Guard, time.Since(died).Round(time.Microsecond))
	}

	con.Printf("\n2. A daemon tries to start a child:")
	f, err := daemonFather.Start(ctx, daemonArg{Console: con.path}, mproc.WithDaemon(true))
	if err != nil {
		return err
	}
	*started = append(*started, f.Process)
	_, err = f.Wait(ctx)
	var re *mproc.RemoteError
	if !errors.As(err, &re) || !errors.Is(err, mproc.ErrDaemonic) {
		return fmt.Errorf("daemon: a daemon starting a child: want a *mproc.RemoteError matching ErrDaemonic, got %v", err)
	}
	code, _ := f.ExitCode()
	con.Printf("main: %v failed with %q\n"+
		"      (a *mproc.RemoteError; errors.Is(err, mproc.ErrDaemonic) = %v; exit code %d)",
		f, re.Message, errors.Is(err, mproc.ErrDaemonic), code)
	return nil
}
