package chaos

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"mproc"
)

// familyBound is how soon every descendant of a SIGKILLed process that ran
// a pool, a daemon and a manager must be gone: they are all daemons, which
// end with their parent however it ends.
const familyBound = time.Second

// orphanReapBound is how soon the subreaper must have reaped them: its
// grace for processes it did not start is 1 s.
const orphanReapBound = 3 * time.Second

// parentKilledTrial starts a child that runs a pool with busy workers,
// a daemon child and a manager, and SIGKILLs it once they all run. Every
// process below it, those it reported and any other, must be gone within
// familyBound, and none may stay a zombie of this process.
func parentKilledTrial(ctx context.Context, _ Scale) (took time.Duration, err error) {
	q, err := mproc.NewQueue[int](0)
	if err != nil {
		return 0, err
	}
	defer q.Close()
	p, err := family.Start(ctx, familyArg{Pids: q})
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, stop(p.Process)) }()
	reported, err := readPids(ctx, p, q)
	if err != nil {
		return 0, err
	}
	tree := descendants(p.Pid())
	for _, pid := range reported {
		if !slices.Contains(tree, pid) {
			return 0, fmt.Errorf("pid %d reported by the middle process is not below it (%v)", pid, tree)
		}
	}
	killed := time.Now()
	p.Kill()
	err = pollFor(ctx, familyBound, "the descendants are gone", func() bool { return allGone(tree) })
	took = time.Since(killed)
	if err != nil {
		return took, fmt.Errorf("%d of the %d processes below a SIGKILLed parent still run %v after: %v (pool workers, daemon, manager: %v)",
			len(living(tree)), len(tree), familyBound, living(tree), reported)
	}
	// Orphans that died before they were adopted become this process's
	// zombies; mproc's subreaper reaps them after its grace (1 s).
	if err := pollFor(ctx, orphanReapBound, "the adopted orphans are reaped", func() bool { return len(zombiesAmong(tree)) == 0 }); err != nil {
		return took, fmt.Errorf("descendants left as zombies of this process %v after: %v", orphanReapBound, zombiesAmong(tree))
	}
	return took, killedBy9(ctx, p.Process)
}

// readPids reads the pids the middle process reports, up to its 0; it
// fails if that process ends first.
func readPids(ctx context.Context, p *mproc.Proc[mproc.None], q *mproc.Queue[int]) ([]int, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		p.Join(wctx)
		cancel()
	}()
	var pids []int
	for {
		pid, err := q.Get(wctx)
		if err != nil {
			if _, werr := p.Wait(ctx); werr != nil && ctx.Err() == nil {
				return nil, fmt.Errorf("the middle process ended before it reported its family: %w", werr)
			}
			return nil, fmt.Errorf("reading the family's pids: %w", err)
		}
		if pid == 0 {
			return pids, nil
		}
		pids = append(pids, pid)
	}
}
