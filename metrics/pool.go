package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"mproc"
)

// Descriptions of a pool's metrics; every one has the label pool.
var (
	poolWorkers    = desc("pool_workers", "Worker processes alive.", "pool")
	poolSize       = desc("pool_size", "Worker processes the pool keeps (WithWorkers).", "pool")
	poolTasks      = desc("pool_tasks_total", "Tasks finished, failed ones included (a Map's chunk is one).", "pool")
	poolFailed     = desc("pool_tasks_failed_total", "Tasks that failed.", "pool")
	poolQueued     = desc("pool_tasks_queued", "Tasks waiting for a worker.", "pool")
	poolRunning    = desc("pool_tasks_running", "Tasks out with workers.", "pool")
	poolRestarts   = desc("pool_restarts_total", "Workers replaced, by why they ended.", "pool", "reason")
	poolTaskTime   = desc("pool_task_seconds", "How long tasks ran, as the workers timed them.", "pool")
	poolQueueWait  = desc("pool_queue_wait_seconds", "How long tasks waited for a worker.", "pool")
	workerTasks    = desc("pool_worker_tasks_total", "Tasks a live worker finished.", "pool", "worker")
	workerBusy     = desc("pool_worker_busy_seconds_total", "Time a live worker spent running tasks.", "pool", "worker")
	workerIdle     = desc("pool_worker_idle_seconds_total", "Time a live worker spent waiting for tasks.", "pool", "worker")
	workerRSS      = desc("pool_worker_resident_bytes", "A live worker's resident memory (VmRSS).", "pool", "worker")
	workerPeakRSS  = desc("pool_worker_resident_peak_bytes", "A live worker's largest resident memory (VmHWM).", "pool", "worker")
	workerStartup  = desc("pool_worker_startup_seconds", "How long a live worker took to start.", "pool", "worker")
	restartReasons = []string{"crash", "timeout", "max tasks", "max memory", "start failed"}
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("mproc_"+name, help, labels, nil)
}

// poolCollector collects a pool's insights.
type poolCollector struct {
	name string
	pool *mproc.Pool
}

// Pool returns a collector of p's figures, labelled pool=name.
func Pool(name string, p *mproc.Pool) prometheus.Collector { return poolCollector{name, p} }

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolWorkers, poolSize, poolTasks, poolFailed, poolQueued, poolRunning, poolRestarts,
		poolTaskTime, poolQueueWait, workerTasks, workerBusy, workerIdle, workerRSS, workerPeakRSS, workerStartup} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	in := c.pool.Insights()
	live := 0
	for _, w := range in.Workers {
		if w.Reason != "" {
			continue
		}
		live++
		if w.Pid == 0 {
			continue // still starting: nothing to report yet
		}
		ch <- prometheus.MustNewConstMetric(workerTasks, prometheus.CounterValue, float64(w.Tasks), c.name, w.Name)
		ch <- prometheus.MustNewConstMetric(workerBusy, prometheus.CounterValue, w.Busy.Seconds(), c.name, w.Name)
		ch <- prometheus.MustNewConstMetric(workerIdle, prometheus.CounterValue, w.Idle.Seconds(), c.name, w.Name)
		ch <- prometheus.MustNewConstMetric(workerRSS, prometheus.GaugeValue, float64(w.RSS), c.name, w.Name)
		ch <- prometheus.MustNewConstMetric(workerPeakRSS, prometheus.GaugeValue, float64(w.PeakRSS), c.name, w.Name)
		ch <- prometheus.MustNewConstMetric(workerStartup, prometheus.GaugeValue, w.Startup.Seconds(), c.name, w.Name)
	}
	ch <- prometheus.MustNewConstMetric(poolWorkers, prometheus.GaugeValue, float64(live), c.name)
	ch <- prometheus.MustNewConstMetric(poolSize, prometheus.GaugeValue, float64(in.Size), c.name)
	ch <- prometheus.MustNewConstMetric(poolTasks, prometheus.CounterValue, float64(in.Tasks), c.name)
	ch <- prometheus.MustNewConstMetric(poolFailed, prometheus.CounterValue, float64(in.Failed), c.name)
	ch <- prometheus.MustNewConstMetric(poolQueued, prometheus.GaugeValue, float64(in.Queued), c.name)
	ch <- prometheus.MustNewConstMetric(poolRunning, prometheus.GaugeValue, float64(in.Running), c.name)
	for _, r := range restartReasons { // every reason, 0 included: a counter should exist before it first counts
		ch <- prometheus.MustNewConstMetric(poolRestarts, prometheus.CounterValue, float64(in.Restarts[r]), c.name, r)
	}
	ch <- summary(poolTaskTime, in.TaskTime, c.name)
	ch <- summary(poolQueueWait, in.QueueWait, c.name)
}

// summary is p as a Prometheus summary in seconds.
func summary(d *prometheus.Desc, p mproc.Percentiles, labels ...string) prometheus.Metric {
	sum := p.Mean.Seconds() * float64(p.Count)
	q := map[float64]float64{0.5: p.P50.Seconds(), 0.9: p.P90.Seconds(), 0.99: p.P99.Seconds()}
	return prometheus.MustNewConstSummary(d, uint64(p.Count), sum, q, labels...)
}
