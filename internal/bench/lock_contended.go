package bench

import (
	"context"
	"fmt"
	"time"

	"mproc"
)

// counterArgs is what each incrementing child gets: the shared counter and
// how many times to increment it.
type counterArgs struct {
	V *mproc.Value[int64]
	N int
}

// increment is python_ref.py's _incr: n increments of the shared counter,
// each under the counter's lock (`with v.get_lock(): v.value += 1`).
var increment = mproc.Register[counterArgs, mproc.None]("bench.incr", func(a counterArgs) {
	for range a.N {
		a.V.Update(func(p *int64) { *p++ })
	}
})

// contendedTimeout bounds the whole group, so that a lost wake-up fails the
// run instead of hanging it.
const contendedTimeout = 2 * time.Minute

func init() {
	Register(Group{
		Name:    "lock_contended",
		Metrics: []Metric{{Name: "lock_contended_2proc_increments", Unit: "ops/s", Python: "lock_contended_2proc_increments"}},
		Run:     runLockContended,
	})
}

// runLockContended mirrors python_ref.py's lock_contended: two child
// processes each increment a shared Value[int64] (Value("q", 0)) n_(100_000)
// times under its lock. The time runs from starting both to joining both,
// and the final value must be exactly 2n.
func runLockContended(ctx context.Context, scale float64) ([]Result, error) {
	n := N(100_000, scale)
	ctx, cancel := context.WithTimeout(ctx, contendedTimeout)
	defer cancel()
	v, err := mproc.NewValue[int64](0)
	if err != nil {
		return nil, err
	}
	ps := make([]*mproc.Proc[mproc.None], 0, 2)
	defer func() {
		for _, p := range ps {
			reap(p.Process)
		}
	}()

	start := time.Now()
	for range 2 {
		p, err := increment.Start(ctx, counterArgs{V: v, N: n})
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	for _, p := range ps {
		if _, err := p.Wait(ctx); err != nil {
			return nil, err
		}
	}
	dt := time.Since(start)

	if got := v.Load(); got != int64(2*n) {
		return nil, fmt.Errorf("counter is %d after 2 processes × %d locked increments, want %d", got, n, 2*n)
	}
	return []Result{{
		Name:  "lock_contended_2proc_increments",
		Unit:  "ops/s",
		Value: float64(2*n) / dt.Seconds(),
		N:     2 * n,
	}}, nil
}

// reap makes sure p has ended and is closed, killing it if a failure left
// it running: a group leaves no process behind.
func reap(p *mproc.Process) {
	p.Kill() // nothing to do for a process that has ended
	p.Join(context.Background())
	p.Close()
}
