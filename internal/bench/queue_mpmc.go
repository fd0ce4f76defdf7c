package bench

import (
	"context"
	"fmt"
	"time"

	"mproc"
)

// mpmcProducer is python_ref.py's _mp_producer: put 0..n-1, no sentinel
// (the parent puts those once every producer is done).
var mpmcProducer = mproc.Register[queueArgs, mproc.None]("bench.mpmc_producer", func(ctx context.Context, a queueArgs) error {
	ctx, cancel := context.WithTimeout(ctx, ipcTimeout)
	defer cancel()
	for i := range a.N {
		if err := a.Q.Put(ctx, i); err != nil {
			return err
		}
	}
	return nil
})

// mpmcConsumer is python_ref.py's _mp_consumer: get until a sentinel, then
// put the number of items got on Out.
var mpmcConsumer = mproc.Register[queueArgs, mproc.None]("bench.mpmc_consumer", func(ctx context.Context, a queueArgs) error {
	ctx, cancel := context.WithTimeout(ctx, ipcTimeout)
	defer cancel()
	c, err := drainInts(ctx, a.Q)
	if err != nil {
		return err
	}
	return a.Out.Put(ctx, c)
})

func init() {
	Register(Group{
		Name:    "queue_mpmc",
		Metrics: []Metric{{Name: "queue_mpmc_2x2_small_msgs", Unit: "msgs/s", Python: "queue_mpmc_2x2_small_msgs"}},
		Run:     runQueueMPMC,
	})
}

// runQueueMPMC mirrors python_ref.py's queue_mpmc: two producers each put
// n_(100_000)/2 small ints on one unbounded queue, two consumers get until
// a sentinel and report their counts on a second queue. The time runs from
// starting the four processes, through joining the producers and putting
// one sentinel per consumer, to getting both counts; their sum must be every
// item put.
func runQueueMPMC(ctx context.Context, scale float64) ([]Result, error) {
	n := N(100_000, scale)
	ctx, cancel := context.WithTimeout(ctx, ipcTimeout)
	defer cancel()
	q, err := mproc.NewQueue[int](0)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	out, err := mproc.NewQueue[int](0)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	var prods, cons []*mproc.Proc[mproc.None]
	for range 2 {
		prods = append(prods, mpmcProducer.Process(queueArgs{Q: q, N: n / 2}))
	}
	for range 2 {
		cons = append(cons, mpmcConsumer.Process(queueArgs{Q: q, Out: out}))
	}
	var started []*mproc.Proc[mproc.None]
	defer func() {
		for _, p := range started {
			reap(p.Process)
		}
	}()

	all := append(append([]*mproc.Proc[mproc.None](nil), prods...), cons...)
	start := time.Now()
	for _, p := range all {
		if err := p.Start(ctx); err != nil {
			return nil, err
		}
		started = append(started, p)
	}
	for _, p := range prods {
		if _, err := p.Wait(ctx); err != nil {
			return nil, err
		}
	}
	for range cons {
		if err := q.Put(ctx, queueEnd); err != nil {
			return nil, err
		}
	}
	got := 0
	for range cons {
		c, err := out.Get(ctx)
		if err != nil {
			return nil, err
		}
		got += c
	}
	dt := time.Since(start)
	for _, p := range cons {
		if _, err := p.Wait(ctx); err != nil {
			return nil, err
		}
	}

	if want := (n / 2) * 2; got != want {
		return nil, fmt.Errorf("consumers got %d items, want %d", got, want)
	}
	return []Result{{
		Name:  "queue_mpmc_2x2_small_msgs",
		Unit:  "msgs/s",
		Value: float64(got) / dt.Seconds(),
		N:     got,
	}}, nil
}
