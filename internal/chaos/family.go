package chaos

import (
	"context"
	"errors"

	"mproc"
	"mproc/manager"
)

// runFamily is the middle process of the parent-killed case: it starts a
// pool (its workers busy), a daemon child and a manager, reports their pids
// and stays, so that the parent can kill it with all of them running.
func runFamily(ctx context.Context, a familyArg) error {
	pool, err := mproc.NewPool(ctx, mproc.WithWorkers(2))
	if err != nil {
		return err
	}
	for range 2 {
		block.Submit(ctx, pool, mproc.None{})
	}
	d, err := block.Start(ctx, mproc.None{}, mproc.WithDaemon(true))
	if err != nil {
		return err
	}
	m, err := manager.Start(ctx)
	if err != nil {
		return err
	}
	workers, err := busyWorkers(ctx, pool, 2)
	if err != nil {
		return err
	}
	for _, pid := range append(workers, d.Pid(), m.Process().Pid(), 0) {
		if err := a.Pids.Put(ctx, pid); err != nil {
			return err
		}
	}
	<-ctx.Done()
	return ctx.Err()
}

// busyWorkers waits until n workers of pool run a task and returns their
// pids.
func busyWorkers(ctx context.Context, pool *mproc.Pool, n int) ([]int, error) {
	var pids []int
	err := poll(ctx, "the pool's workers run their tasks", func() bool {
		pids = pids[:0]
		for _, w := range pool.Workers() {
			if w.Pid != 0 && w.Task != "" {
				pids = append(pids, w.Pid)
			}
		}
		return len(pids) == n
	})
	if len(pids) != n {
		return nil, errors.Join(errors.New("the pool never had its workers busy"), err)
	}
	return pids, nil
}
