package metrics_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"mproc"
	"mproc/metrics"
)

// A pool's figures in a Prometheus registry (serve it with promhttp).
func ExamplePool() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := mproc.NewPool(ctx, mproc.WithWorkers(2))
	if err != nil {
		panic(err)
	}
	defer pool.Terminate()
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.Pool("squares", pool))

	if _, err := square.Map(ctx, pool, []int{1, 2, 3, 4}, mproc.WithChunk(1)); err != nil {
		panic(err)
	}
	err = testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP mproc_pool_tasks_total Tasks finished, failed ones included (a Map's chunk is one).
# TYPE mproc_pool_tasks_total counter
mproc_pool_tasks_total{pool="squares"} 4
`), "mproc_pool_tasks_total")
	fmt.Println(err)
	// Output: <nil>
}
