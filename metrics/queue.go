package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var queueLength = desc("queue_length", "Items in the queue.", "queue")

// Lener is a queue that says how many items it holds: an mproc.Queue or
// JoinableQueue.
type Lener interface{ Len() int }

// Queue returns a collector of q's length, labelled queue=name.
func Queue(name string, q Lener) prometheus.Collector { return localQueue{name, q} }

type localQueue struct {
	name string
	q    Lener
}

func (c localQueue) Describe(ch chan<- *prometheus.Desc) { ch <- queueLength }

func (c localQueue) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(queueLength, prometheus.GaugeValue, float64(c.q.Len()), c.name)
}

// ManagerQueue returns a collector of the length of a queue a manager
// holds (manager.Queue), asked at each scrape within timeout; a queue that
// does not answer is left out of that scrape.
func ManagerQueue(name string, q interface {
	Len(context.Context) (int, error)
}, timeout time.Duration) prometheus.Collector {
	return managerQueue{name, q, timeout}
}

type managerQueue struct {
	name string
	q    interface {
		Len(context.Context) (int, error)
	}
	timeout time.Duration
}

func (c managerQueue) Describe(ch chan<- *prometheus.Desc) { ch <- queueLength }

func (c managerQueue) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	if n, err := c.q.Len(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(queueLength, prometheus.GaugeValue, float64(n), c.name)
	}
}
