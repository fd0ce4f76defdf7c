package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"syscall"
	"time"

	"mproc"
)

// soakCases are the cases the soak repeats side by side. The lock case
// (its 100 ms bound is about latency, not load) and the cycles (they count
// this process's descriptors) run alone, in Run.
var soakCases = []string{"map-worker-killed-retry", "producer-killed-mid-put", "manager-killed", "parent-killed"}

// Soak runs for d: a pool busy with Maps whose workers a killer SIGKILLs at
// random moments, beside the soak cases, each repeated in a loop. It
// returns the count of each (the pool's as "pool-under-random-kills"), and
// an error if, once all is stopped, this process has not got back to where
// it began: children, zombies, descriptors, goroutines, /dev/shm.
func Soak(ctx context.Context, d time.Duration) ([]Result, error) {
	cases, err := Select(soakCases)
	if err != nil {
		return nil, err
	}
	base := takeBaseline()
	sctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	results := make([]Result, len(cases)+1)
	var wg sync.WaitGroup
	wg.Go(func() { results[0] = soakPool(sctx) })
	for i, c := range cases {
		wg.Go(func() {
			// Not sctx: a trial begun near the end finishes, within its
			// own bound, rather than failing when the soak ends.
			results[i+1] = Run(ctx, []Case{c}, Options{Duration: d})[0]
		})
	}
	wg.Wait()
	return results, base.settled(ctx, nil)
}

// soakPool maps on a 3-worker pool with WithRetries(3) while workers are
// killed every 5 to 50 ms. Each Map must return every result right, or fail
// with a *WorkerLostError by SIGKILL (a task can lose four workers).
func soakPool(ctx context.Context) Result {
	r := Result{Case: "pool-under-random-kills"}
	pool, err := mproc.NewPool(ctx, mproc.WithWorkers(3), mproc.WithRetries(3))
	if err != nil {
		r.add(0, err)
		return r
	}
	kctx, stopKiller := context.WithCancel(ctx)
	kills := make(chan int, 1)
	go func() { kills <- killWorkers(kctx, pool) }()
	for !over(ctx) {
		began := time.Now()
		err := checkSquares(ctx, pool)
		r.add(time.Since(began), err)
	}
	stopKiller()
	if err := endPool(pool); err != nil {
		r.add(0, err)
	}
	r.Kills = <-kills
	return r
}

// checkSquares runs one Map and checks its outcome. A Map cut short by the
// soak's end is not a failure.
func checkSquares(ctx context.Context, pool *mproc.Pool) error {
	xs := make([]int, 40)
	for i := range xs {
		xs[i] = i
	}
	out, err := square.Map(ctx, pool, xs, mproc.WithChunk(1+rand.IntN(4)))
	var wl *mproc.WorkerLostError
	switch {
	case over(ctx):
		return nil
	case errors.As(err, &wl) && wl.Signal == int(syscall.SIGKILL):
		return nil
	case err != nil:
		return fmt.Errorf("a Map under random kills: %w", err)
	}
	for i, v := range out {
		if v != i*i {
			return fmt.Errorf("a Map under random kills: result %d is %d", i, v)
		}
	}
	return nil
}

// over reports that the soak has ended: ctx is done or its deadline has
// passed. The pool fails a task at the deadline by its own clock, which
// can come before ctx's timer marks ctx done: such a Map is the soak's end,
// not a failure.
func over(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ctx.Err() != nil || ok && !time.Now().Before(d)
}

// killWorkers SIGKILLs a random worker of pool at random moments until ctx
// ends, and returns how many it killed.
func killWorkers(ctx context.Context, pool *mproc.Pool) int {
	n := 0
	for {
		t := time.NewTimer(time.Duration(5+rand.IntN(45)) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return n
		case <-t.C:
		}
		var pids []int
		for _, w := range pool.Workers() {
			if w.Pid != 0 {
				pids = append(pids, w.Pid)
			}
		}
		if len(pids) > 0 && kill(pids[rand.IntN(len(pids))]) == nil {
			n++
		}
	}
}
