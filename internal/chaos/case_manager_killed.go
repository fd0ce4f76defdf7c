package chaos

import (
	"context"
	"errors"
	"fmt"
	"time"

	"mproc/manager"
)

// managerBound is how soon after a manager's SIGKILL every call waiting in
// it must return: the manager package promises ErrGone "at once".
const managerBound = 5 * time.Second

// managerKilledTrial SIGKILLs a manager while calls wait in it: a queue's
// Get, a semaphore's Acquire, an event's Wait, a barrier's Wait and a
// lock's LockContext here, and a queue's Get in a child. Each must return
// an error within managerBound (ErrGone here; the child fails).
func managerKilledTrial(ctx context.Context, _ Scale) (took time.Duration, err error) {
	m, err := manager.Start(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, endManager(m)) }()
	waits, barrier, err := managerWaits(ctx, m)
	if err != nil {
		return 0, err
	}
	results := make(chan waitResult, len(waits))
	for name, w := range waits {
		go func() { results <- waitResult{name, w(ctx)} }()
	}
	// The barrier's count proves the manager serves the waiters; the
	// others may still be on their way, which must end in an error too.
	if err := poll(ctx, "a party waits at the barrier", func() bool {
		st, err := barrier.State(ctx)
		return err == nil && st.Waiting == 1
	}); err != nil {
		return 0, err
	}
	killed := time.Now()
	m.Process().Kill()
	return collectWaits(ctx, results, len(waits), killed)
}

// waitResult is how one waiting call ended.
type waitResult struct {
	name string
	err  error
}

// managerWaits makes the objects and the calls that will wait in m.
func managerWaits(ctx context.Context, m *manager.Manager) (map[string]func(context.Context) error, *manager.Barrier, error) {
	q, err1 := manager.NewQueue[int](ctx, m, 0)
	sem, err2 := manager.NewSemaphore(ctx, m, 0)
	ev, err3 := manager.NewEvent(ctx, m)
	bar, err4 := manager.NewBarrier(ctx, m, 2)
	lock, err5 := manager.NewLock(ctx, m)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return nil, nil, err
	}
	// Taken here: a Lock is not re-entrant, so the waiter below waits.
	if err := lock.LockContext(ctx); err != nil {
		return nil, nil, err
	}
	return map[string]func(context.Context) error{
		"Queue.Get":         func(ctx context.Context) error { _, err := q.Get(ctx); return gone(err) },
		"Semaphore.Acquire": func(ctx context.Context) error { return gone(sem.Acquire(ctx)) },
		"Event.Wait":        func(ctx context.Context) error { return gone(ev.Wait(ctx)) },
		"Barrier.Wait":      func(ctx context.Context) error { _, err := bar.Wait(ctx); return gone(err) },
		"Lock.LockContext":  func(ctx context.Context) error { return gone(lock.LockContext(ctx)) },
		"Queue.Get in a child": func(ctx context.Context) error {
			msg, err := managerGet.Call(ctx, q)
			if err == nil && msg != "" {
				err = errors.New(msg)
			}
			return err
		},
	}, bar, nil
}

// gone checks that a call to a killed manager failed with ErrGone.
func gone(err error) error {
	if !errors.Is(err, manager.ErrGone) {
		return fmt.Errorf("%v, want ErrGone", err)
	}
	return nil
}

// collectWaits waits for n results, each within managerBound of killed.
func collectWaits(ctx context.Context, results <-chan waitResult, n int, killed time.Time) (time.Duration, error) {
	bound := time.NewTimer(time.Until(killed.Add(managerBound)))
	defer bound.Stop()
	var errs []error
	for range n {
		select {
		case r := <-results:
			if r.err != nil {
				errs = append(errs, fmt.Errorf("%s after the manager's SIGKILL: %w", r.name, r.err))
			}
		case <-bound.C:
			return time.Since(killed), fmt.Errorf("calls still wait %v after their manager's SIGKILL", managerBound)
		case <-ctx.Done():
			return time.Since(killed), ctx.Err()
		}
	}
	return time.Since(killed), errors.Join(errs...)
}

// endManager shuts m down (it is dead, unless the trial failed first).
func endManager(m *manager.Manager) error {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	m.Shutdown(ctx)
	return stop(m.Process().Process)
}
