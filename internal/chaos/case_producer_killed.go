package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"mproc"
)

// producers is how many children put on the queue at once; one of them is
// killed.
const producers = 2

// producerKilledTrial runs two producers on a queue with a small buffer,
// reads a random number of items, then SIGKILLs one producer (usually in
// the middle of a Put: the buffer is full, and some items cross it in
// pieces) and stops the other. Every item read must be whole, and each
// producer's items must come in order, each once: all the killed one's
// completed Puts (plus at most the one it committed as it died), all the
// other's.
func producerKilledTrial(ctx context.Context, _ Scale) (took time.Duration, err error) {
	q, err := mproc.NewQueue[putItem](0, mproc.WithQueueBuffer(64<<10))
	if err != nil {
		return 0, err
	}
	defer q.Close()
	stopEv, err := mproc.NewEvent()
	if err != nil {
		return 0, err
	}
	defer stopEv.Close()
	var procs [producers]*mproc.Proc[int]
	var done [producers]*mproc.Value[int64]
	defer func() {
		for i := range producers {
			if procs[i] != nil {
				err = errors.Join(err, stop(procs[i].Process))
			}
			if done[i] != nil {
				done[i].Close()
			}
		}
	}()
	for i := range producers {
		if done[i], err = mproc.NewValue[int64](0); err != nil {
			return 0, err
		}
		procs[i], err = produce.Start(ctx, producerArg{Q: q, ID: i, Done: done[i], Stop: stopEv})
		if err != nil {
			return 0, err
		}
	}
	c := newConsumer(q)
	before := rand.IntN(60)
	if err := c.read(ctx, before); err != nil {
		return 0, fmt.Errorf("before the kill: %w", err)
	}
	victim := rand.IntN(producers)
	killed := time.Now()
	procs[victim].Kill()
	if err := killedBy9(ctx, procs[victim].Process); err != nil {
		return 0, err
	}
	completed := done[victim].Load()
	stopEv.Set()
	if err := c.drain(ctx, procs, victim); err != nil {
		return time.Since(killed), fmt.Errorf("after the kill (read %d before it): %w", before, err)
	}
	took = time.Since(killed)
	return took, c.checkCounts(ctx, procs, victim, completed)
}
