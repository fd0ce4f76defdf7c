package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"mproc"
	"mproc/cluster"
	"mproc/internal/natsproc"
)

// The cluster group measures mproc/cluster's Pool against the local Pool,
// on this machine: a NATS server with JetStream (a nats-server process), one
// worker process joined to it (cluster.Serve, two task slots), and a local
// Pool of two workers for the same tasks: tiny tasks submitted one by one,
// synchronous apply round trips, and 10 ms tasks.
func init() {
	Register(Group{
		Name: "cluster",
		Metrics: []Metric{
			{Name: "cluster_tiny_tasks", Unit: "tasks/s"},
			{Name: "cluster_local_tiny_tasks", Unit: "tasks/s"},
			{Name: "cluster_apply_roundtrip_latency", Unit: "us/op"},
			{Name: "cluster_local_apply_roundtrip_latency", Unit: "us/op"},
			{Name: "cluster_10ms_tasks", Unit: "tasks/s"},
			{Name: "cluster_local_10ms_tasks", Unit: "tasks/s"},
		},
		Run: runCluster,
	})
}

// clusterSlots is how many tasks the worker, and the local pool, run at once.
const clusterSlots = 2

// clusterWorker joins the bench's cluster until it is terminated.
var clusterWorker = mproc.Register[string, mproc.None]("bench.cluster.worker", func(ctx context.Context, url string) error {
	c, err := cluster.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer c.Close()
	err = cluster.Serve(ctx, c, cluster.WithPool("bench"), cluster.WithWorkers(clusterSlots))
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
})

// clusterSleep is a 10 ms task.
var clusterSleep = mproc.Register[int, int]("bench.cluster.sleep", func(n int) int {
	time.Sleep(10 * time.Millisecond)
	return n
})

func runCluster(ctx context.Context, scale float64) ([]Result, error) {
	dir, err := os.MkdirTemp("", "mproc-bench-cluster-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	srv, err := natsproc.Start(ctx, "127.0.0.1", -1, dir)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	c, err := cluster.Connect(ctx, srv.URL())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	remote, err := cluster.NewPool(ctx, c, "bench", cluster.WithWorkers(clusterSlots))
	if err != nil {
		return nil, err
	}
	defer remote.Close()
	w, err := clusterWorker.Start(ctx, srv.URL())
	if err != nil {
		return nil, err
	}
	defer func() { w.Terminate(); w.Wait(context.Background()) }()

	var out []Result
	err = withPool(ctx, clusterSlots, func(ctx context.Context, local *mproc.Pool) error {
		for _, ex := range []mproc.Executor{remote, local} { // warm-up: the worker has joined, the children started
			if _, err := poolSquare.Apply(ctx, ex, 1); err != nil {
				return fmt.Errorf("warm-up: %w", err)
			}
		}
		measures := []struct {
			name, unit string
			n          int
			run        func(context.Context, mproc.Executor, int) (float64, error)
		}{
			{"tiny_tasks", "tasks/s", N(2_000, scale), submitRate(poolSquare, func(i int) int { return i * i })},
			{"apply_roundtrip_latency", "us/op", N(300, scale), applyLatency},
			{"10ms_tasks", "tasks/s", N(100, scale), submitRate(clusterSleep, func(i int) int { return i })},
		}
		for _, m := range measures {
			for _, side := range []struct {
				prefix string
				ex     mproc.Executor
			}{{"cluster_", remote}, {"cluster_local_", local}} {
				v, err := m.run(ctx, side.ex, m.n)
				if err != nil {
					return fmt.Errorf("%s%s: %w", side.prefix, m.name, err)
				}
				out = append(out, Result{Name: side.prefix + m.name, Unit: m.unit, Value: v, N: m.n})
			}
		}
		return nil
	})
	return out, err
}

// submitRate submits n tasks of f one by one, then gets every result, and
// returns tasks per second.
func submitRate(f *mproc.Func[int, int], want func(int) int) func(context.Context, mproc.Executor, int) (float64, error) {
	return func(ctx context.Context, ex mproc.Executor, n int) (float64, error) {
		start := time.Now()
		fs := make([]*mproc.Future[int], n)
		for i := range fs {
			fs[i] = f.Submit(ctx, ex, i)
		}
		for i, fut := range fs {
			v, err := fut.Get(ctx)
			if err != nil {
				return 0, fmt.Errorf("task %d: %w", i, err)
			}
			if v != want(i) {
				return 0, fmt.Errorf("task %d: %d, want %d", i, v, want(i))
			}
		}
		return float64(n) / time.Since(start).Seconds(), nil
	}
}

// applyLatency makes n synchronous applies and returns µs per round trip.
func applyLatency(ctx context.Context, ex mproc.Executor, n int) (float64, error) {
	start := time.Now()
	for i := range n {
		if v, err := poolSquare.Apply(ctx, ex, i); err != nil || v != i*i {
			return 0, fmt.Errorf("apply %d: %d, %v", i, v, err)
		}
	}
	return float64(time.Since(start).Microseconds()) / float64(n), nil
}
