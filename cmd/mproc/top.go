package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"time"

	"mproc"
	"mproc/dashboard"
)

// topCmd is `mproc top [--addr HOST:PORT] [--workers N] [--duration D]`:
// a demo pool at work, and its live dashboard.
type topCmd struct {
	Addr     string
	Workers  int
	Duration time.Duration // 0: until Ctrl-C
}

// topTask is one task of the demo: it works for Ms milliseconds, or ends
// its worker with Exit (a crash, which the pool survives).
type topTask struct {
	Ms   int
	Exit bool
}

var topWork = mproc.Register[topTask, int]("mproc.top.work", func(ctx context.Context, t topTask) (int, error) {
	if t.Exit {
		os.Exit(3)
	}
	// Half the time spins (CPU), half sleeps (waiting on I/O, say).
	end := time.Now().Add(time.Duration(t.Ms) * time.Millisecond)
	if t.Ms%2 == 0 {
		n := 0
		for time.Now().Before(end) && ctx.Err() == nil {
			n++
		}
		return n, nil
	}
	select {
	case <-time.After(time.Until(end)):
		return t.Ms, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
})

// Run starts the pool, serves the dashboard, and feeds the pool until ctx
// ends or the duration is up.
func (c *topCmd) Run(a *app) error {
	if c.Workers < 1 {
		return fmt.Errorf("--workers must be at least 1, not %d", c.Workers)
	}
	ctx := a.ctx
	if c.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Duration)
		defer cancel()
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	results, err := mproc.NewQueue[int](0)
	if err != nil {
		ln.Close()
		return err
	}
	defer results.Close()
	pool, err := mproc.NewPool(ctx, mproc.WithWorkers(c.Workers), mproc.WithMaxTasksPerChild(400))
	if err != nil {
		ln.Close()
		return err
	}
	defer pool.Terminate() // before the queue's Close: the tasks' callbacks put there

	served := make(chan error, 1)
	go func() {
		served <- dashboard.ServeListener(ctx, ln, dashboard.Pool("demo", pool), dashboard.Queue("results", results))
	}()
	fmt.Fprintf(a.stdout, "mproc top: the dashboard of a demo pool of %d workers is at http://%s/ (Ctrl-C ends it)\n", c.Workers, ln.Addr())
	go drain(ctx, results)
	feedErr := feedTop(ctx, pool, results, c.Workers)
	if err := <-served; err != nil {
		return err
	}
	fmt.Fprint(a.stdout, pool.Insights())
	if errors.Is(feedErr, context.DeadlineExceeded) && c.Duration > 0 {
		return nil // the duration is up
	}
	return feedErr
}

// feedTop keeps the pool busy with tasks of 1-60 ms, in waves, with a crash
// now and then; their results go to the queue.
func feedTop(ctx context.Context, pool *mproc.Pool, results *mproc.Queue[int], workers int) error {
	slots := make(chan struct{}, 3*workers)
	for i := 0; ; i++ {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		// A wave every 20 s: busier, then quieter, so the charts move.
		phase := float64(time.Now().UnixMilli()%20000) / 20000
		t := topTask{Ms: 1 + rand.IntN(int(10+50*phase))}
		if i%500 == 499 {
			t.Exit = true
		}
		f := topWork.Submit(ctx, pool, t)
		f.OnDone(func(f *mproc.Future[int]) {
			<-slots
			if v, err, _ := f.Result(); err == nil {
				results.TryPut(v)
			}
		})
	}
}

// drain takes results off the queue at a steady pace, slower than they may
// come, so that its depth rises and falls.
func drain(ctx context.Context, q *mproc.Queue[int]) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			q.TryGet()
		}
	}
}
