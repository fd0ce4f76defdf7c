package chaos

import (
	"context"
	"fmt"

	"mproc"
)

// consumer reads a queue of putItems and checks each against what its
// producer was due to put next.
type consumer struct {
	q    *mproc.Queue[putItem]
	next [producers]int // each producer's next sequence number
}

// marker is the item the consumer puts after every producer has ended:
// what comes before it is all there is.
var marker = putItem{Producer: -1}

func newConsumer(q *mproc.Queue[putItem]) *consumer { return &consumer{q: q} }

// read gets and checks n items.
func (c *consumer) read(ctx context.Context, n int) error {
	for range n {
		it, err := c.q.Get(ctx)
		if err != nil {
			return fmt.Errorf("a Get after %v items: %w", c.next, err)
		}
		if err := c.take(it); err != nil {
			return err
		}
	}
	return nil
}

// take checks one item and counts it.
func (c *consumer) take(it putItem) error {
	if it.Producer < 0 || it.Producer >= producers {
		return fmt.Errorf("an item from producer %d, which does not exist", it.Producer)
	}
	if err := it.check(c.next[it.Producer]); err != nil {
		return err
	}
	c.next[it.Producer]++
	return nil
}

// drain reads the rest: it waits for the producers that live to stop, then
// puts the marker, and reads up to it. A producer that fails ends the wait.
func (c *consumer) drain(ctx context.Context, procs [producers]*mproc.Proc[int], victim int) error {
	dctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		for i, p := range procs {
			if i == victim {
				continue
			}
			if _, err := p.Wait(dctx); err != nil {
				cancel(fmt.Errorf("the producer that lived: %w", err))
				return
			}
		}
		if err := c.q.Put(dctx, marker); err != nil {
			cancel(fmt.Errorf("putting the marker: %w", err))
		}
	}()
	for {
		it, err := c.q.Get(dctx)
		if err != nil {
			if cause := context.Cause(dctx); cause != nil && ctx.Err() == nil {
				err = cause
			}
			return fmt.Errorf("a Get after %v items: %w", c.next, err)
		}
		if it.Producer == marker.Producer {
			return nil
		}
		if err := c.take(it); err != nil {
			return err
		}
	}
}

// checkCounts compares the items read with the Puts each producer
// completed.
func (c *consumer) checkCounts(ctx context.Context, procs [producers]*mproc.Proc[int], victim int, completed int64) error {
	for i, p := range procs {
		got := c.next[i]
		if i == victim {
			if got < int(completed) || got > int(completed)+1 {
				return fmt.Errorf("the killed producer completed %d Puts; %d items arrived", completed, got)
			}
			continue
		}
		n, err := p.Wait(ctx)
		if err != nil {
			return fmt.Errorf("the producer that lived: %w", err)
		}
		if got != n {
			return fmt.Errorf("the producer that lived completed %d Puts; %d items arrived", n, got)
		}
	}
	if n := c.q.Len(); n != 0 {
		return fmt.Errorf("%d items left after the marker", n)
	}
	return nil
}
