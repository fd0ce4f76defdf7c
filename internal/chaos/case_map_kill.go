package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"mproc"
)

// mapBound is how long a Map may take to end after one of its workers was
// killed: the pool notices the death at once, so more is a hang.
const mapBound = 10 * time.Second

// mapItems is the size of the Map; the held item is one of them at random,
// so the kill falls early or late in it.
const mapItems = 16

// mapKillTrial kills, with SIGKILL, the worker running one item of a Map
// on a 2-worker pool with the given retries. Without retries the Map must
// fail with a *WorkerLostError naming that worker and signal 9; with them
// it must return every result right. Either way within mapBound, and the
// pool must replace the worker and go on.
func mapKillTrial(retries int) func(context.Context, Scale) (time.Duration, error) {
	return func(ctx context.Context, _ Scale) (took time.Duration, err error) {
		dir, err := os.MkdirTemp("", "mproc-chaos-")
		if err != nil {
			return 0, err
		}
		defer os.RemoveAll(dir)
		pool, err := mproc.NewPool(ctx, mproc.WithWorkers(2), mproc.WithRetries(retries))
		if err != nil {
			return 0, err
		}
		defer func() { err = errors.Join(err, endPool(pool)) }()
		target := rand.IntN(mapItems)
		items := make([]mapItem, mapItems)
		for i := range items {
			items[i] = mapItem{X: i, Target: target, Dir: dir}
		}
		f := holdSquare.MapAsync(ctx, pool, items, mproc.WithChunk(1))
		victim, err := heldBy(ctx, dir, f)
		if err != nil {
			return 0, err
		}
		killed := time.Now()
		if err := kill(victim); err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o644); err != nil {
			return 0, err
		}
		out, err := getWithin(ctx, f, mapBound)
		took = time.Since(killed)
		if err := checkMapOutcome(out, err, victim, retries, target); err != nil {
			return took, err
		}
		return took, poolRecovered(ctx, pool, victim)
	}
}

// getWithin waits for f at most d, and calls it a hang past that.
func getWithin[T any](ctx context.Context, f *mproc.Future[T], d time.Duration) (T, error) {
	gctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	v, err := f.Get(gctx)
	if err != nil && gctx.Err() != nil && ctx.Err() == nil {
		return v, fmt.Errorf("hang: no result %v after the kill (%w)", d, err)
	}
	return v, err
}

func checkMapOutcome(out []int, err error, victim, retries, target int) error {
	if retries == 0 {
		var wl *mproc.WorkerLostError
		if !errors.As(err, &wl) || wl.Pid != victim || wl.Signal != 9 {
			return fmt.Errorf("a Map whose worker %d was killed at item %d: %v, want *WorkerLostError for it with signal 9", victim, target, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("a Map with WithRetries(%d) whose worker %d was killed at item %d: %w", retries, victim, target, err)
	}
	if len(out) != mapItems {
		return fmt.Errorf("the Map returned %d results for %d items", len(out), mapItems)
	}
	for i, v := range out {
		if v != i*i {
			return fmt.Errorf("the Map's result %d is %d, want %d (killed at item %d)", i, v, i*i, target)
		}
	}
	return nil
}

// poolRecovered checks that the killed worker is gone and replaced and
// that the pool still runs tasks.
func poolRecovered(ctx context.Context, pool *mproc.Pool, victim int) error {
	if err := pollFor(ctx, mapBound, "the pool has 2 live workers, the killed one not among them", func() bool {
		n := 0
		for _, w := range pool.Workers() {
			if w.Pid == victim {
				return false
			}
			if w.Pid != 0 {
				n++
			}
		}
		return n == 2 && !alive(victim)
	}); err != nil {
		return err
	}
	v, err := holdSquare.Apply(ctx, pool, mapItem{X: 7, Target: -1})
	if err != nil || v != 49 {
		return fmt.Errorf("a task after the kill: %d, %v", v, err)
	}
	return nil
}

// heldBy waits until a worker holds the target item and returns its pid.
func heldBy(ctx context.Context, dir string, f *mproc.Future[[]int]) (int, error) {
	var pid int
	err := poll(ctx, "a worker holds the target item", func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "pid"))
		if err == nil {
			pid, err = strconv.Atoi(string(b))
		}
		_, _, done := f.Result()
		return err == nil || done
	})
	if _, ferr, ok := f.Result(); ok {
		return 0, fmt.Errorf("the Map ended before the kill: %v", ferr)
	}
	return pid, err
}
