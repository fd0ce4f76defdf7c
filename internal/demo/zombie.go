package demo

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"mproc"
)

// The seeds' 僵尸进程 (zombie: a finished child nobody reaped) and 孤儿进程
// (orphan: a child whose parent died, adopted by the system's 孤儿院, the
// orphanage). mproc reaps every child it starts whether or not anyone joins
// it, and with SetSubreaper this process becomes the orphanage for its own
// descendants.

type zombieArg struct {
	Console  string
	LingerMs int // how long the orphan works on after its parent died
}

type zombiePids struct{ Father, Orphan int }

// zombieQuick ends at once and returns its pid.
var zombieQuick = mproc.Register[zombieArg, int]("demo.zombie.quick", func(a zombieArg) int {
	say(a.Console, "  child %s: pid %d, done at once", mproc.Current().Name(), os.Getpid())
	return os.Getpid()
})

// zombieFather starts a non-daemon child and ends without joining it.
var zombieFather = mproc.Register[zombieArg, zombiePids]("demo.zombie.father", func(ctx context.Context, a zombieArg) (zombiePids, error) {
	me := mproc.Current()
	o, err := zombieOrphan.Start(ctx, a)
	if err != nil {
		return zombiePids{}, err
	}
	say(a.Console, "  father %s: pid %d, started %s (pid %d) and exits without joining it", me.Name(), me.Pid(), o.Name(), o.Pid())
	return zombiePids{Father: me.Pid(), Orphan: o.Pid()}, nil
})

// zombieOrphan waits until its parent has died, looks at who its parent is
// now, works a little longer and ends by itself.
var zombieOrphan = mproc.Register[zombieArg, mproc.None]("demo.zombie.orphan", func(ctx context.Context, a zombieArg) error {
	me, parent := mproc.Current(), mproc.Parent()
	if !waitPidExit(ctx, parent.Pid(), 5*time.Second) {
		say(a.Console, "  orphan %s: my parent %d is still alive after 5s; giving up", me.Name(), parent.Pid())
		return fmt.Errorf("parent %d did not die", parent.Pid())
	}
	say(a.Console, "  orphan %s: my parent (pid %d) died; os.getppid() is now %d", me.Name(), parent.Pid(), os.Getppid())
	time.Sleep(time.Duration(a.LingerMs) * time.Millisecond) // the rest of its work
	say(a.Console, "  orphan %s: done, exiting", me.Name())
	return nil
})

func init() {
	add(Demo{
		Name:  "zombie-orphan",
		Title: "Zombies and orphans: every finished child is reaped, orphans are adopted",
		Intro: "The seeds explain 僵尸进程 (a zombie: a child that has ended but that nobody reaped, still " +
			"holding its pid) and 孤儿进程 (an orphan: a child whose parent died, adopted and later reaped by " +
			"the system's orphanage, init). First a real zombie, made with os/exec and no Wait, then an mproc " +
			"child that nobody joins: it is reaped all the same. Then SetSubreaper makes this process the " +
			"orphanage of its own descendants: a child starts a grandchild and exits; the grandchild's parent " +
			"becomes this process, which reaps it when it ends.",
		Run: stage(runZombie),
	})
}

func runZombie(ctx context.Context, con *console, started *[]*mproc.Process) error {
	me := os.Getpid()

	con.Printf("1. A zombie: a child that ended and that nobody reaped")
	if path, err := exec.LookPath("true"); err == nil {
		cmd := exec.Command(path)
		if err := cmd.Start(); err != nil {
			return err
		}
		pid := cmd.Process.Pid
		if !waitPidExit(ctx, pid, 3*time.Second) {
			cmd.Process.Kill()
			cmd.Wait()
			return fmt.Errorf("zombie-orphan: %s did not exit", path)
		}
		st, _, ok := procStat(pid)
		con.Printf("main: os/exec started %s (pid %d); it has exited and nobody waited for it: /proc/%d/stat says %s",
			path, pid, pid, describeStat(st, ok))
		werr := cmd.Wait()
		_, _, ok = procStat(pid)
		con.Printf("main: cmd.Wait() reaps it (%v): /proc/%d/stat exists: %v", errOr(werr, "exit status 0"), pid, ok)
		if ok {
			return fmt.Errorf("zombie-orphan: pid %d still exists after Wait", pid)
		}
	} else {
		con.Printf("main: (no `true` program here to make a zombie with os/exec; skipping)")
	}

	q, err := zombieQuick.Start(ctx, zombieArg{Console: con.path})
	if err != nil {
		return err
	}
	*started = append(*started, q.Process)
	pid := q.Pid()
	if !waitPidExit(ctx, pid, 3*time.Second) {
		return fmt.Errorf("zombie-orphan: the quick child (pid %d) did not exit", pid)
	}
	exited := time.Now()
	if !waitGone(ctx, pid, 2*time.Second) {
		st, _, _ := procStat(pid)
		return fmt.Errorf("zombie-orphan: mproc child %d exited but is still in /proc (state %c) 2s later", pid, st)
	}
	gone := "by the time we looked"
	if d := time.Since(exited); d >= 100*time.Microsecond {
		gone = fmt.Sprintf("within %v", d.Round(100*time.Microsecond))
	}
	con.Printf("main: mproc started %s (pid %d); nobody joins it. It exited and was gone from /proc %s:\n"+
		"      mproc reaps each child as it ends, joined or not, so it is never left a zombie.",
		q.Name(), pid, gone)

	con.Printf("\n2. An orphan: SetSubreaper, then a child starts a grandchild and exits")
	if err := mproc.SetSubreaper(); err != nil {
		return err
	}
	con.Printf("main: pid %d is now a subreaper: orphans among its descendants are adopted by it, not by init", me)
	f, err := zombieFather.Start(ctx, zombieArg{Console: con.path, LingerMs: 200})
	if err != nil {
		return err
	}
	*started = append(*started, f.Process)
	pids, err := f.Wait(ctx)
	if err != nil {
		return err
	}
	st, ppid, ok := procStat(pids.Orphan)
	con.Printf("main: the father (pid %d) has ended: %v", pids.Father, f)
	con.Printf("main: /proc/%d/stat of the orphan: state %s, ppid %d", pids.Orphan, describeStat(st, ok), ppid)
	if !ok || ppid != me {
		return fmt.Errorf("zombie-orphan: the orphan %d was not adopted by this process (%d): ppid %d, exists %v", pids.Orphan, me, ppid, ok)
	}
	con.Printf("main: adopted: its parent is now this process")
	if _, err := con.waitLine(ctx, fmt.Sprintf("os.getppid() is now %d", me), 3*time.Second); err != nil {
		return fmt.Errorf("zombie-orphan: the orphan did not see its new parent: %w", err)
	}
	if !waitPidExit(ctx, pids.Orphan, 3*time.Second) {
		return fmt.Errorf("zombie-orphan: the orphan %d did not finish", pids.Orphan)
	}
	exited = time.Now()
	if !waitGone(ctx, pids.Orphan, 3*time.Second) {
		st, ppid, _ := procStat(pids.Orphan)
		return fmt.Errorf("zombie-orphan: the orphan %d ended but was not reaped (state %c, ppid %d)", pids.Orphan, st, ppid)
	}
	con.Printf("main: the orphan ended and this process reaped it %v later: no zombie left.\n"+
		"      (The subreaper leaves an ended child it did not start itself a short grace, in case some\n"+
		"      other part of the program, such as an exec.Cmd, is about to wait for it.)",
		time.Since(exited).Round(10*time.Millisecond))
	return nil
}

func describeStat(st byte, ok bool) string {
	if !ok {
		return "gone (reaped)"
	}
	return stateName(st)
}

func errOr(err error, s string) string {
	if err != nil {
		return err.Error()
	}
	return s
}
