package bench

import (
	"context"
	"fmt"
	"time"

	"mproc"
)

// noop is the target of the spawn group: a process that does nothing.
var noop = mproc.Register[mproc.None, mproc.None]("bench.noop", func() {})

// spareCount is how many warm spares process_start_join keeps.
const spareCount = 4

func init() {
	Register(Group{
		Name: "spawn",
		Metrics: []Metric{
			{Name: "process_start_join", Unit: "us/op", Python: "process_start_join_fork"},
			{Name: "process_start_join_cold", Unit: "us/op", Python: "process_start_join_spawn"},
		},
		Run: runSpawn,
	})
}

// runSpawn mirrors python_ref.py's spawn_join: start a process running a
// no-op and join it, n_(300) times; once with warm spares (mproc's answer
// to fork) and once cold, each start an exec of the binary.
func runSpawn(ctx context.Context, scale float64) ([]Result, error) {
	logLinkage(ctx)
	n := N(300, scale)

	cold, err := startJoin(ctx, n)
	if err != nil {
		return nil, fmt.Errorf("cold: %w", err)
	}

	mproc.WarmSpares(spareCount)
	defer mproc.WarmSpares(0)
	t := time.Now()
	if err := mproc.AwaitSpares(ctx); err != nil {
		return nil, fmt.Errorf("warm spares: %w", err)
	}
	logf(ctx, "spawn: %d warm spares ready after %v", spareCount, time.Since(t).Round(100*time.Microsecond))
	warm, err := startJoin(ctx, n)
	if err != nil {
		return nil, fmt.Errorf("with spares: %w", err)
	}

	perOp := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(n) }
	return []Result{
		{Name: "process_start_join", Unit: "us/op", Value: perOp(warm), N: n},
		{Name: "process_start_join_cold", Unit: "us/op", Value: perOp(cold), N: n},
	}, nil
}

// startJoin starts the no-op process and waits for it, n times.
func startJoin(ctx context.Context, n int) (time.Duration, error) {
	start := time.Now()
	for range n {
		p, err := noop.Start(ctx, mproc.None{})
		if err != nil {
			return 0, err
		}
		if _, err := p.Wait(ctx); err != nil {
			return 0, err
		}
		p.Close()
	}
	return time.Since(start), nil
}
