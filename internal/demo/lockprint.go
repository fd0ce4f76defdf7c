package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"mproc"
)

// The seeds' first lock (seed 001 "多进程抢占输出资源", seed 004 funa/funb):
// three processes print several lines each to the one terminal they share.
// Without a lock their lines interleave; with a shared Lock taken around the
// printing, each prints its whole block before the next one starts.

type lockPrintArg struct {
	Console string
	N       int          // the seed's n: which child this is
	Lines   int          // numbered lines between "is running" and "is done"
	Go      *mproc.Event // set by the demo once all three are started, so they print at the same time
	Lock    *mproc.Lock  // nil: print without the lock
}

var lockPrintWork = mproc.Register[lockPrintArg, mproc.None]("demo.lock-print.work", func(ctx context.Context, a lockPrintArg) error {
	if err := a.Go.Wait(ctx); err != nil {
		return err
	}
	if a.Lock != nil {
		// lock.acquire(); a dead previous holder would not matter here.
		if err := a.Lock.LockContext(ctx); err != nil && !errors.Is(err, mproc.ErrOwnerDead) {
			return err
		}
		defer a.Lock.Unlock() // lock.release()
	}
	pid := os.Getpid()
	say(a.Console, "  %d: pid %d: is running", a.N, pid)
	for k := range a.Lines {
		time.Sleep(3 * time.Millisecond) // the seed's time.sleep(random.random()), scaled down
		say(a.Console, "  %d: pid %d: 我是%d开始执行 (line %d of %d)", a.N, pid, k, k+1, a.Lines)
	}
	time.Sleep(3 * time.Millisecond)
	say(a.Console, "  %d: pid %d: is done", a.N, pid)
	return nil
})

const (
	lockPrintChildren = 3
	lockPrintLines    = 4
)

func init() {
	add(Demo{
		Name:  "lock-print",
		Title: "A Lock keeps each process's lines together on the shared terminal",
		Intro: "The seeds' first lock: three processes share one terminal, and each prints \"is running\", a few " +
			"numbered lines, and \"is done\", pausing between lines. Without a lock they print at the same time and " +
			"their lines interleave (usually: it depends on the timing). With a Lock passed to every child " +
			"(lock.acquire() before printing, lock.release() after), each process prints its whole block before the " +
			"next one starts: 由并发变成了串行, concurrent becomes serial, slower but orderly. The lock is an ordinary " +
			"argument of the child, as in Process(target=work, args=(lock, i)).",
		Run: stage(runLockPrint),
	})
}

func runLockPrint(ctx context.Context, con *console, started *[]*mproc.Process) error {
	con.Printf("1. Without a lock: three children print at the same time")
	seq, err := lockPrintRound(ctx, con, started, false)
	if err != nil {
		return err
	}
	blocks := lockPrintBlocks(seq)
	if blocks > lockPrintChildren {
		con.Printf("   Who wrote each line, in order: %s\n   The lines interleaved: %d runs of lines instead of %d blocks.",
			lockPrintSeq(seq), blocks, lockPrintChildren)
	} else {
		con.Printf("   Who wrote each line, in order: %s\n   This time the lines happened not to interleave: without a lock, "+
			"the order is a matter of timing, and nothing guarantees it.", lockPrintSeq(seq))
	}

	con.Printf("\n2. With a shared mproc.Lock around the printing")
	seq, err = lockPrintRound(ctx, con, started, true)
	if err != nil {
		return err
	}
	blocks = lockPrintBlocks(seq)
	con.Printf("   Who wrote each line, in order: %s", lockPrintSeq(seq))
	if blocks != lockPrintChildren {
		return fmt.Errorf("lock-print: with the lock the lines still interleaved: %s", lockPrintSeq(seq))
	}
	con.Printf("   No interleaving: %d blocks, one per child, in the order they got the lock.", blocks)
	return nil
}

// lockPrintRound starts the three children, lets them print together, and
// returns which child wrote each of their lines, in the order the lines
// reached the console.
func lockPrintRound(ctx context.Context, con *console, started *[]*mproc.Process, locked bool) ([]int, error) {
	ev, err := mproc.NewEvent()
	if err != nil {
		return nil, err
	}
	var lock *mproc.Lock
	if locked {
		if lock, err = mproc.NewLock(); err != nil {
			return nil, err
		}
	}
	procs := make([]*mproc.Proc[mproc.None], lockPrintChildren)
	for i := range procs {
		p, err := lockPrintWork.Start(ctx, lockPrintArg{Console: con.path, N: i, Lines: lockPrintLines, Go: ev, Lock: lock})
		if err != nil {
			return nil, err
		}
		*started = append(*started, p.Process)
		procs[i] = p
	}
	ev.Set() // all three go at once
	for _, p := range procs {
		if _, err := p.Wait(ctx); err != nil {
			return nil, fmt.Errorf("lock-print: %v: %w", p, err)
		}
	}
	// Each child's last line is written after all its others, and the
	// console keeps the order of the pipe: once every "is done" line has
	// arrived, all the round's lines have.
	tags := make([]string, len(procs))
	for i, p := range procs {
		tags[i] = fmt.Sprintf("pid %d: ", p.Pid())
		if _, err := con.waitLine(ctx, tags[i]+"is done", 3*time.Second); err != nil {
			return nil, err
		}
	}
	var seq []int
	for _, l := range con.snapshot() {
		for i, tag := range tags {
			if strings.Contains(l, tag) {
				seq = append(seq, i)
			}
		}
	}
	if want := lockPrintChildren * (lockPrintLines + 2); len(seq) != want {
		return nil, fmt.Errorf("lock-print: %d lines from the children, want %d", len(seq), want)
	}
	return seq, nil
}

// lockPrintBlocks counts the runs of consecutive lines by the same child.
func lockPrintBlocks(seq []int) int {
	n := 0
	for i, c := range seq {
		if i == 0 || seq[i-1] != c {
			n++
		}
	}
	return n
}

func lockPrintSeq(seq []int) string {
	var b strings.Builder
	for i, c := range seq {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, c)
	}
	return b.String()
}

// snapshot returns a copy of the lines that have reached the console so far.
func (c *console) snapshot() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}
