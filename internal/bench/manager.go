package bench

import (
	"context"
	"time"

	"mproc"
	"mproc/manager"
)

type mgrWorkerArg struct {
	D    *manager.Dict[int, int]
	N, K int
}

// mgrWorker is python_ref.py's _mgr_worker: d[k] = i, then d[k], n times.
var mgrWorker = mproc.Register[mgrWorkerArg, mproc.None]("bench.mgr_worker", func(ctx context.Context, a mgrWorkerArg) error {
	for i := range a.N {
		if err := a.D.Set(ctx, a.K, i); err != nil {
			return err
		}
		if _, err := a.D.Get(ctx, a.K); err != nil {
			return err
		}
	}
	return nil
})

func init() {
	Register(Group{
		Name:    "manager",
		Metrics: []Metric{{Name: "manager_dict_set_get_2proc", Unit: "ops/s", Python: "manager_dict_set_get_2proc"}},
		Run:     runManager,
	})
}

// runManager mirrors python_ref.py's manager_dict: a manager's dict, and two
// processes each doing n_(10_000) set-get pairs on their own key; the time
// from starting them to joining both is what is timed, as in CPython's.
func runManager(ctx context.Context, scale float64) ([]Result, error) {
	n := N(10_000, scale)
	ctx, cancel := context.WithTimeout(ctx, ipcTimeout)
	defer cancel()
	m, err := manager.Start(ctx)
	if err != nil {
		return nil, err
	}
	defer m.Shutdown(context.WithoutCancel(ctx))
	d, err := manager.NewDict[int, int](ctx, m, nil)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	var ps []*mproc.Proc[mproc.None]
	for k := range 2 {
		p, err := mgrWorker.Start(ctx, mgrWorkerArg{D: d, N: n, K: k})
		if err != nil {
			return nil, err
		}
		defer reap(p.Process)
		ps = append(ps, p)
	}
	for _, p := range ps {
		if _, err := p.Wait(ctx); err != nil {
			return nil, err
		}
	}
	dt := time.Since(start)
	return []Result{{Name: "manager_dict_set_get_2proc", Unit: "ops/s", Value: float64(4*n) / dt.Seconds(), N: 4 * n}}, nil
}
