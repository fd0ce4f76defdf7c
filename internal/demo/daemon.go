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

// daemonSleep is a target of seed 001's last daemon example: print a
// number, sleep, print end and the number, unless terminated first.
type daemonSleep struct {
	Console string
	N       int // 123 for foo, 456 for bar
	Ms      int // foo 1 s, bar 3 s, scaled down
}

var daemonSleeper = mproc.Register[daemonSleep, mproc.None]("demo.daemon.sleeper", func(ctx context.Context, a daemonSleep) {
	say(a.Console, "  %s: %d", mproc.Current().Name(), a.N)
	select {
	case <-time.After(time.Duration(a.Ms) * time.Millisecond):
		say(a.Console, "  %s: end%d", mproc.Current().Name(), a.N)
	case <-ctx.Done(): // terminated
	}
})

// daemonMain is the seed's main program, run as a child so that its end can
// be watched: p1 = foo (daemon), p2 = bar; it prints main------- and ends its
// code with mproc.Shutdown, which, as CPython does at exit, terminates the
// daemon and waits for the non-daemon.
var daemonMain = mproc.Register[string, mproc.None]("demo.daemon.main", func(ctx context.Context, console string) error {
	if _, err := daemonSleeper.Start(ctx, daemonSleep{Console: console, N: 123, Ms: 200}, mproc.WithDaemon(true), mproc.WithName("p1 foo")); err != nil {
		return err
	}
	if _, err := daemonSleeper.Start(ctx, daemonSleep{Console: console, N: 456, Ms: 400}, mproc.WithName("p2 bar")); err != nil {
		return err
	}
	time.Sleep(10 * time.Millisecond) // the seed's time.sleep(0.1)
	say(console, "  main: main-------  (its code ends here; mproc.Shutdown(ctx) does what CPython does at exit)")
	return mproc.Shutdown(ctx)
})

func init() {
	add(Demo{
		Name:  "daemon",
		Title: "Daemon children end when their parent ends, and may not have children",
		Intro: "A daemon child (p.daemon = True before p.start()) ends when its parent ends. The seed's emperor " +
			"starts a daemon guard that would print for a long time and then dies; the guard dies with him. " +
			"Here the emperor is itself a child process, so that we can watch from outside: the guard's pid " +
			"stops running the moment the emperor's process ends. A daemon may not start children: CPython " +
			"raises 'daemonic processes are not allowed to have children'; mproc returns ErrDaemonic. Last, seed 001's " +
			"daemon foo (1 s) and non-daemon bar (3 s): when main's code ends, the daemon is ended at once and main " +
			"still waits for bar, so end456 comes after main------- and end123 never. CPython does that at exit by " +
			"itself; a Go program calls mproc.Shutdown(ctx) at the end of main.",
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
	return daemonTogether(ctx, con, started)
}

// daemonTogether is seed 001's foo (daemon) and bar (not) under one main.
func daemonTogether(ctx context.Context, con *console, started *[]*mproc.Process) error {
	con.Printf("\n3. p1 = Process(target=foo) with p1.daemon = True (1 s, here 200 ms), p2 = Process(target=bar) (3 s,\n" +
		"   here 400 ms); main sleeps 0.1 s (10 ms) and prints main-------. The main program is a child here, to be watched:")
	m, err := daemonMain.Start(ctx, con.path, mproc.WithName("main"))
	if err != nil {
		return err
	}
	*started = append(*started, m.Process)
	if _, err := m.Wait(ctx); err != nil {
		return err
	}
	if _, err := con.waitLine(ctx, "p2 bar: end456", time.Second); err != nil {
		return fmt.Errorf("daemon: the non-daemon bar did not finish: %w", err)
	}
	if i := con.index("p1 foo: end123"); i > con.index("main: main-------") {
		return errors.New("daemon: the daemon foo outlived main's code")
	} else if i >= 0 { // main was slow to start bar: foo's 200 ms were over first
		con.Printf("main: this time foo printed end123 before main's code ended: starting bar took that long here")
	}
	if after, err := lineOrder(ctx, con, "main: main-------", "p2 bar: end456"); err != nil || !after {
		return fmt.Errorf("daemon: end456 came before main------- (%v)", err)
	}
	con.Printf("main: the main program ended (%v) only after bar's end456: it waited for its non-daemon child;\n"+
		"      foo, the daemon, was ended when main's code ended and never printed end123. Without\n"+
		"      mproc.Shutdown a Go main would return at once and leave bar running as an orphan.", m)
	return nil
}
