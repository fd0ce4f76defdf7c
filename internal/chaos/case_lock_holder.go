package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"mproc"
)

// lockBound is how soon after its holder's SIGKILL the next acquirer must
// have a lock: the promise mproc makes for robust locks.
const lockBound = 100 * time.Millisecond

// lockHolderTrial SIGKILLs a child holding a Lock. The next LockContext
// here must take it within lockBound of the kill, with ErrOwnerDead. Half
// the trials, at random, are already waiting when the holder dies; the
// others ask after.
func lockHolderTrial(ctx context.Context, _ Scale) (took time.Duration, err error) {
	l, err := mproc.NewLock()
	if err != nil {
		return 0, err
	}
	held, err := mproc.NewEvent()
	if err != nil {
		l.Close()
		return 0, err
	}
	defer closeAll(l, held)
	p, err := holdLock.Start(ctx, lockArg{L: l, Held: held})
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, stop(p.Process)) }()
	if err := held.Wait(ctx); err != nil {
		return 0, fmt.Errorf("the child never held the lock: %w", err)
	}
	waiting := rand.IntN(2) == 0
	took, err = acquireAfterKill(ctx, l, p.Process, waiting)
	if !errors.Is(err, mproc.ErrOwnerDead) {
		return took, fmt.Errorf("LockContext after the holder's SIGKILL (waiting: %v): %v, want ErrOwnerDead", waiting, err)
	}
	l.Unlock()
	if took > lockBound {
		return took, fmt.Errorf("took the dead holder's lock %v after the kill (waiting: %v), want at most %v", took, waiting, lockBound)
	}
	return took, killedBy9(ctx, p.Process)
}

// acquireAfterKill kills the holder and takes l, returning how long after
// the kill it had it. A waiter first proves that the lock is held (a short
// LockContext times out).
func acquireAfterKill(ctx context.Context, l *mproc.Lock, holder *mproc.Process, waiting bool) (time.Duration, error) {
	if !waiting {
		killed := time.Now()
		holder.Kill()
		err := l.LockContext(ctx)
		return time.Since(killed), err
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
	err := l.LockContext(sctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		return 0, fmt.Errorf("a short LockContext on the held lock: %v", err)
	}
	res := make(chan error, 1)
	go func() { res <- l.LockContext(ctx) }()
	killed := time.Now()
	holder.Kill()
	err = <-res
	return time.Since(killed), err
}
