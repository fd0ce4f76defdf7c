package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"mproc"
)

// memoryBound is how soon the worker that went over its limit must be gone
// after the Map that took it there returned.
const memoryBound = 5 * time.Second

// maxMemoryTrial runs a Map on a 1-worker pool with WithMaxMemory, one item
// of which (at random) takes the worker over the limit. That item must
// succeed or fail with a *WorkerLostError (mproc retires the worker after
// the task); the other items succeed; no item after it runs in the worker
// that went over, which must be gone within memoryBound and replaced.
func maxMemoryTrial(ctx context.Context, _ Scale) (took time.Duration, err error) {
	limit, mib, err := memoryLimit(ctx)
	if err != nil {
		return 0, err
	}
	pool, err := mproc.NewPool(ctx, mproc.WithWorkers(1), mproc.WithMaxMemory(limit), mproc.WithRetries(1))
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, endPool(pool)) }()
	items := make([]int, 6)
	big := 1 + rand.IntN(len(items)-2)
	items[big] = mib
	pids, err := mapOneByOne(ctx, pool, items)
	returned := time.Now()
	fat, err := overLimitWorker(pids, err, big)
	if err != nil {
		return 0, fmt.Errorf("%d MiB in item %d, limit %d MiB: %w", mib, big, limit>>20, err)
	}
	if err := pollFor(ctx, memoryBound, "the worker over its limit is gone", func() bool { return !alive(fat) }); err != nil {
		return time.Since(returned), fmt.Errorf("worker %d went over its limit and still runs: %w", fat, err)
	}
	took = time.Since(returned)
	next, err := alloc.Apply(ctx, pool, 0)
	if err != nil || next == fat {
		return took, fmt.Errorf("a task after the retirement ran in %d (the old worker: %d): %v", next, fat, err)
	}
	return took, nil
}

// memoryLimit picks a limit above a worker's own size (the race detector
// makes it bigger) and an allocation that goes well past it.
func memoryLimit(ctx context.Context) (limit int64, mib int, err error) {
	base, err := rss.Call(ctx, mproc.None{})
	if err != nil {
		return 0, 0, err
	}
	return base + 32<<20, int(base>>20) + 64, nil
}

// mapOneByOne maps alloc over items one at a time and returns each item's
// worker pid (0 for an item that failed) and the Map's error.
func mapOneByOne(ctx context.Context, pool *mproc.Pool, items []int) ([]int, error) {
	futs := make([]*mproc.Future[int], len(items))
	for i, mib := range items {
		futs[i] = alloc.Submit(ctx, pool, mib)
	}
	pids := make([]int, len(items))
	var errs []error
	for i, f := range futs {
		pid, err := getWithin(ctx, f, mapBound)
		if err != nil {
			errs = append(errs, fmt.Errorf("item %d: %w", i, err))
		}
		pids[i] = pid
	}
	return pids, errors.Join(errs...)
}

// overLimitWorker checks the outcome and returns the pid of the worker that
// ran the big item.
func overLimitWorker(pids []int, err error, big int) (int, error) {
	fat := pids[big]
	if err != nil {
		var wl *mproc.WorkerLostError
		if pids[big] != 0 || !errors.As(err, &wl) {
			return 0, err
		}
		for i, pid := range pids {
			if pid == 0 && i != big {
				return 0, err // a small item failed too
			}
		}
		fat = wl.Pid
	}
	for i := range big {
		if pids[i] != pids[0] {
			return 0, fmt.Errorf("the worker changed before the big item: %v", pids)
		}
	}
	for i := big + 1; i < len(pids); i++ {
		if pids[i] == fat {
			return 0, fmt.Errorf("item %d ran in worker %d after it went over its limit: %v", i, fat, pids)
		}
	}
	return fat, nil
}
