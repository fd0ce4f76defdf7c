// Package metrics exports mproc's pools, queues, managers and servers to
// Prometheus, as collectors of github.com/prometheus/client_golang:
//
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(metrics.Pool("resize", pool), metrics.Queue("jobs", jobs))
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// A pool's figures are its Insights (mproc.Pool.Insights), taken at each
// scrape: tasks, failures, restarts by reason, the task time and queue
// wait as summaries, and per live worker its tasks, busy and idle seconds
// and memory. A server's come from its events: pass Server's Observe to
// server.WithEvents.
//
// The core package mproc does not import this one, nor Prometheus: only a
// program that asks for metrics links them in.
package metrics
