package bench

import (
	"context"
	"fmt"
	"time"

	"mproc"
)

// ipcTimeout bounds each queue and pipe group, in the parent and in its
// children, so that a lost item or wake-up fails the run instead of hanging
// it.
const ipcTimeout = 2 * time.Minute

// queueEnd is the sentinel that ends a stream of ints on a queue: python_ref.py
// puts None after the items; here the queue is a plain Queue[int], whose
// items cross as 8 raw bytes, and -1 (never an item: they count up from 0)
// stands for None. A Queue[*int] with nil would be closer in spirit but
// costs a heap allocation per item on both sides, which CPython's small ints
// do not.
const queueEnd = -1

// queueArgs is what a producing or consuming child gets: the queue, the
// number of items to put (producers), and the queue to report a count on
// (queue_mpmc's consumers).
type queueArgs struct {
	Q   *mproc.Queue[int]
	Out *mproc.Queue[int]
	N   int
}

// queueProducer is python_ref.py's _producer: put 0..n-1, then the
// sentinel.
var queueProducer = mproc.Register[queueArgs, mproc.None]("bench.qproducer", func(ctx context.Context, a queueArgs) error {
	ctx, cancel := context.WithTimeout(ctx, ipcTimeout)
	defer cancel()
	for i := range a.N {
		if err := a.Q.Put(ctx, i); err != nil {
			return err
		}
	}
	return a.Q.Put(ctx, queueEnd)
})

func init() {
	Register(Group{
		Name:    "queue_small",
		Metrics: []Metric{{Name: "queue_spsc_small_msgs", Unit: "msgs/s", Python: "queue_spsc_small_msgs"}},
		Run:     runQueueSmall,
	})
}

// runQueueSmall mirrors python_ref.py's queue_small: a child puts
// n_(200_000) small ints and a sentinel on an unbounded queue (mp.Queue();
// here the default buffer), and the parent gets until the sentinel. The
// time runs from starting the child to getting the sentinel.
func runQueueSmall(ctx context.Context, scale float64) ([]Result, error) {
	n := N(200_000, scale)
	ctx, cancel := context.WithTimeout(ctx, ipcTimeout)
	defer cancel()
	q, err := mproc.NewQueue[int](0)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	p := queueProducer.Process(queueArgs{Q: q, N: n})

	start := time.Now()
	if err := p.Start(ctx); err != nil {
		return nil, err
	}
	defer reap(p.Process)
	got, err := drainInts(ctx, q)
	if err != nil {
		return nil, err
	}
	dt := time.Since(start)
	if _, err := p.Wait(ctx); err != nil {
		return nil, err
	}

	if got != n {
		return nil, fmt.Errorf("got %d items before the sentinel, want %d", got, n)
	}
	return []Result{{
		Name:  "queue_spsc_small_msgs",
		Unit:  "msgs/s",
		Value: float64(n) / dt.Seconds(),
		N:     n,
	}}, nil
}

// drainInts gets from q until the sentinel and returns how many items came
// before it (`while q.get() is not None: pass`).
func drainInts(ctx context.Context, q *mproc.Queue[int]) (int, error) {
	for got := 0; ; got++ {
		v, err := q.Get(ctx)
		if err != nil {
			return got, err
		}
		if v == queueEnd {
			return got, nil
		}
	}
}
