package chaos

import (
	"context"
	"fmt"
	"time"

	"mproc"
)

// cleanupTimeout bounds the end of what a trial started, also after the
// trial's own ctx has ended.
const cleanupTimeout = 10 * time.Second

// stop kills p if it still runs and waits for it, so that a trial that
// failed half-way leaves no child behind.
func stop(p *mproc.Process) error {
	if p == nil {
		return nil
	}
	p.Kill() // an error means it had ended already
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if err := p.Join(ctx); err != nil {
		return fmt.Errorf("%v did not end after SIGKILL: %w", p, err)
	}
	return nil
}

// endPool terminates pool and waits for its workers.
func endPool(pool *mproc.Pool) error {
	if pool == nil {
		return nil
	}
	pool.Terminate()
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if err := pool.Join(ctx); err != nil {
		return fmt.Errorf("pool did not end after Terminate: %w", err)
	}
	return nil
}

// closeAll closes the shared objects a trial made.
func closeAll(cs ...interface{ Close() error }) {
	for _, c := range cs {
		c.Close()
	}
}

// killedBy9 checks that p ended by SIGKILL (Python's exit code -9), not
// before it.
func killedBy9(ctx context.Context, p *mproc.Process) error {
	if err := p.Join(ctx); err != nil {
		return err
	}
	if code, _ := p.ExitCode(); code != -9 {
		return fmt.Errorf("%v ended with exit code %d before it was killed", p, code)
	}
	return nil
}
