package chaos

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"mproc"
)

// cyclesTrial starts and joins s.Cycles children, s.Burst at a time. Every
// start and join must succeed; afterwards no child may run or be a zombie,
// and this process's descriptors, goroutines and /dev/shm must be back to
// where they were.
func cyclesTrial(ctx context.Context, s Scale) (time.Duration, error) {
	if _, err := noop.Call(ctx, mproc.None{}); err != nil { // opens what is opened lazily, once
		return 0, err
	}
	base := takeBaseline()
	began := time.Now()
	pids, failed := startJoinAll(ctx, s)
	took := time.Since(began)
	if err := base.settled(ctx, pids); err != nil {
		failed = errors.Join(failed, fmt.Errorf("after %d cycles: %w", s.Cycles, err))
	}
	return took, failed
}

// startJoinAll runs the cycles and returns the children's pids and an error
// that counts the cycles that failed, by error.
func startJoinAll(ctx context.Context, s Scale) ([]int, error) {
	var (
		mu    sync.Mutex
		pids  []int
		fails = map[string]int{}
		wg    sync.WaitGroup
		slots = make(chan struct{}, s.Burst)
	)
	for range s.Cycles {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			pid, err := startJoin(ctx)
			mu.Lock()
			defer mu.Unlock()
			if pid != 0 {
				pids = append(pids, pid)
			}
			if err != nil {
				fails[err.Error()]++
			}
		})
	}
	wg.Wait()
	return pids, countedFailures(fails, s.Cycles)
}

// startJoin is one cycle.
func startJoin(ctx context.Context) (int, error) {
	p, err := noop.Start(ctx, mproc.None{})
	if err != nil {
		return 0, fmt.Errorf("start: %w", err)
	}
	if err := p.Join(ctx); err != nil {
		return p.Pid(), fmt.Errorf("join: %w", err)
	}
	if code, _ := p.ExitCode(); code != 0 {
		return p.Pid(), fmt.Errorf("exit code %d", code)
	}
	return p.Pid(), p.Close()
}

func countedFailures(fails map[string]int, of int) error {
	var errs []error
	for msg, n := range fails {
		errs = append(errs, fmt.Errorf("%d of %d cycles failed: %s", n, of, msg))
	}
	return errors.Join(errs...)
}
