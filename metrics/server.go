package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"mproc/server"
)

var (
	serverEvents = desc("server_events_total", "A server's events, by kind (accepted, served, closed, worker started, worker exited).", "server", "event")
	serverOpen   = desc("server_connections_open", "Connections accepted and not yet closed.", "server")
	serverErrors = desc("server_errors_total", "Connections closed with an error, and workers that ended other than as asked.", "server")
)

// Server counts a server's events: pass its Observe to server.WithEvents,
// and register it.
//
//	sm := metrics.NewServer("echo")
//	reg.MustRegister(sm)
//	srv := server.New(h, model, server.WithEvents(sm.Observe))
type Server struct {
	name   string
	mu     sync.Mutex
	counts map[server.EventKind]uint64
	errors uint64
}

// NewServer returns a collector for a server's events, labelled
// server=name.
func NewServer(name string) *Server {
	return &Server{name: name, counts: map[server.EventKind]uint64{}}
}

// Observe counts an event (a server.WithEvents observer).
func (s *Server) Observe(e server.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[e.Kind]++
	if e.Err != nil {
		s.errors++
	}
}

// Describe implements prometheus.Collector.
func (s *Server) Describe(ch chan<- *prometheus.Desc) {
	ch <- serverEvents
	ch <- serverOpen
	ch <- serverErrors
}

// Collect implements prometheus.Collector.
func (s *Server) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range []server.EventKind{server.EventAccepted, server.EventServed, server.EventClosed, server.EventWorkerStarted, server.EventWorkerExited} {
		ch <- prometheus.MustNewConstMetric(serverEvents, prometheus.CounterValue, float64(s.counts[k]), s.name, k.String())
	}
	open := float64(s.counts[server.EventAccepted]) - float64(s.counts[server.EventClosed])
	ch <- prometheus.MustNewConstMetric(serverOpen, prometheus.GaugeValue, max(open, 0), s.name)
	ch <- prometheus.MustNewConstMetric(serverErrors, prometheus.CounterValue, float64(s.errors), s.name)
}
