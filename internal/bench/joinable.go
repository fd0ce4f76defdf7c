package bench

import (
	"context"
	"time"

	"mproc"
)

// jqConsumer is python_ref.py's _jq_consumer: get an item and mark it done,
// for ever. It runs as a daemon; the group terminates it (its ctx ends and
// so does the loop).
var jqConsumer = mproc.Register[*mproc.JoinableQueue[int], mproc.None]("bench.jq_consumer", func(ctx context.Context, q *mproc.JoinableQueue[int]) error {
	ctx, cancel := context.WithTimeout(ctx, ipcTimeout)
	defer cancel()
	for {
		if _, err := q.Get(ctx); err != nil {
			return err
		}
		if err := q.TaskDone(); err != nil {
			return err
		}
	}
})

func init() {
	Register(Group{
		Name:    "joinable",
		Metrics: []Metric{{Name: "joinable_queue_put_taskdone_join", Unit: "msgs/s", Python: "joinable_queue_put_taskdone_join"}},
		Run:     runJoinable,
	})
}

// runJoinable mirrors python_ref.py's joinable_queue: a daemon child gets
// and marks done every item of an unbounded JoinableQueue; the parent puts
// n_(100_000) ints and joins the queue, and that is what is timed. The
// daemon is terminated after.
func runJoinable(ctx context.Context, scale float64) ([]Result, error) {
	n := N(100_000, scale)
	ctx, cancel := context.WithTimeout(ctx, ipcTimeout)
	defer cancel()
	q, err := mproc.NewJoinableQueue[int](0)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	c, err := jqConsumer.Start(ctx, q, mproc.WithDaemon(true))
	if err != nil {
		return nil, err
	}
	defer reap(c.Process)

	start := time.Now()
	for i := range n {
		if err := q.Put(ctx, i); err != nil {
			return nil, err
		}
	}
	if err := q.Join(ctx); err != nil {
		return nil, err
	}
	dt := time.Since(start)

	// The consumer never returns: stop it as CPython stops a daemon at exit.
	if err := c.Terminate(); err != nil {
		return nil, err
	}
	if err := c.Join(ctx); err != nil {
		return nil, err
	}
	return []Result{{
		Name:  "joinable_queue_put_taskdone_join",
		Unit:  "msgs/s",
		Value: float64(n) / dt.Seconds(),
		N:     n,
	}}, nil
}
