package metrics_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"mproc"
	"mproc/internal/testmain"
	"mproc/manager"
	"mproc/metrics"
	"mproc/server"
)

var (
	square = mproc.Register[int, int]("test.metrics.square", func(x int) int { return x * x })
	exit   = mproc.Register[int, int]("test.metrics.exit", func(code int) int { os.Exit(code); return 0 })
)

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestPool(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxFor(t, 30*time.Second)
	p, err := mproc.NewPool(ctx, mproc.WithWorkers(2))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		p.Terminate()
		p.Join(ctx)
	}()
	if _, err := square.Map(ctx, p, []int{1, 2, 3, 4, 5, 6}, mproc.WithChunk(1)); err != nil {
		t.Fatal(err)
	}
	var lost *mproc.WorkerLostError
	if _, err := exit.Apply(ctx, p, 3); !errors.As(err, &lost) {
		t.Fatalf("a worker's exit: %v", err)
	}
	c := metrics.Pool("squares", p)
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
	want := `
# HELP mproc_pool_tasks_total Tasks finished, failed ones included (a Map's chunk is one).
# TYPE mproc_pool_tasks_total counter
mproc_pool_tasks_total{pool="squares"} 6
# HELP mproc_pool_restarts_total Workers replaced, by why they ended.
# TYPE mproc_pool_restarts_total counter
mproc_pool_restarts_total{pool="squares",reason="crash"} 1
mproc_pool_restarts_total{pool="squares",reason="max memory"} 0
mproc_pool_restarts_total{pool="squares",reason="max tasks"} 0
mproc_pool_restarts_total{pool="squares",reason="start failed"} 0
mproc_pool_restarts_total{pool="squares",reason="timeout"} 0
# HELP mproc_pool_size Worker processes the pool keeps (WithWorkers).
# TYPE mproc_pool_size gauge
mproc_pool_size{pool="squares"} 2
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "mproc_pool_tasks_total", "mproc_pool_restarts_total", "mproc_pool_size"); err != nil {
		t.Error(err)
	}
	// The worker figures: one series per live worker, with memory read
	// from /proc.
	if n := testutil.CollectAndCount(c, "mproc_pool_worker_resident_bytes"); n < 1 || n > 2 {
		t.Errorf("%d workers' RSS series, want 1 or 2 (the replacement may still start)", n)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		switch mf.GetName() {
		case "mproc_pool_task_seconds":
			if s := mf.GetMetric()[0].GetSummary(); s.GetSampleCount() != 6 || s.GetSampleSum() <= 0 || len(s.GetQuantile()) != 3 {
				t.Errorf("task time summary %v", s)
			}
		case "mproc_pool_worker_resident_bytes":
			for _, m := range mf.GetMetric() {
				if m.GetGauge().GetValue() <= 0 {
					t.Errorf("a worker's RSS %v", m)
				}
			}
		}
	}
}

func TestQueues(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxFor(t, 30*time.Second)
	q, err := mproc.NewQueue[int](0)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for i := range 3 {
		if err := q.Put(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	if got := testutil.ToFloat64(metrics.Queue("jobs", q)); got != 3 {
		t.Errorf("queue length %v, want 3", got)
	}

	m, err := manager.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(ctx)
	mq, err := manager.NewQueue[string](ctx, m, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"a", "b"} {
		if err := mq.Put(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if got := testutil.ToFloat64(metrics.ManagerQueue("shared", mq, 5*time.Second)); got != 2 {
		t.Errorf("manager queue length %v, want 2", got)
	}
	mc := metrics.Manager("mgr", m)
	if got := testutil.ToFloat64(prometheus.CollectorFunc(func(ch chan<- prometheus.Metric) { collectOnly(mc, "mproc_manager_up", ch) })); got != 1 {
		t.Errorf("manager up %v, want 1", got)
	}
	if n := testutil.CollectAndCount(mc, "mproc_manager_resident_bytes"); n != 1 {
		t.Errorf("%d manager RSS series, want 1", n)
	}
	if err := m.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(mc, "mproc_manager_resident_bytes"); n != 0 {
		t.Errorf("%d manager RSS series after its shutdown, want 0", n)
	}
	if problems, err := testutil.CollectAndLint(mc); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}

// collectOnly passes on c's metrics named name.
func collectOnly(c prometheus.Collector, name string, out chan<- prometheus.Metric) {
	ch := make(chan prometheus.Metric)
	go func() { c.Collect(ch); close(ch) }()
	for m := range ch {
		if strings.Contains(m.Desc().String(), `"`+name+`"`) {
			out <- m
		}
	}
}

func TestServer(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxFor(t, 30*time.Second)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sm := metrics.NewServer("echo")
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- server.Serve(sctx, ln, server.Echo, server.ProcessPool(2), server.WithEvents(sm.Observe))
	}()
	for i := range 3 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "hello %d\n", i)
		if reply, err := bufio.NewReader(c).ReadString('\n'); err != nil || reply != fmt.Sprintf("HELLO %d\n", i) {
			t.Errorf("reply %q, %v", reply, err)
		}
		c.Close()
	}
	stop()
	if err := <-served; !errors.Is(err, context.Canceled) {
		t.Errorf("Serve: %v", err)
	}
	want := `
# HELP mproc_server_events_total A server's events, by kind (accepted, served, closed, worker started, worker exited).
# TYPE mproc_server_events_total counter
mproc_server_events_total{event="accepted",server="echo"} 3
mproc_server_events_total{event="closed",server="echo"} 3
mproc_server_events_total{event="served",server="echo"} 3
mproc_server_events_total{event="worker exited",server="echo"} 0
mproc_server_events_total{event="worker started",server="echo"} 0
# HELP mproc_server_connections_open Connections accepted and not yet closed.
# TYPE mproc_server_connections_open gauge
mproc_server_connections_open{server="echo"} 0
`
	if err := testutil.CollectAndCompare(sm, strings.NewReader(want), "mproc_server_events_total", "mproc_server_connections_open"); err != nil {
		t.Error(err)
	}
}
