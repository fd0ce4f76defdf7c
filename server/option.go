package server

import (
	"log/slog"
	"time"
)

// Option configures a Server.
type Option func(*config)

type config struct {
	grace     time.Duration
	logger    *slog.Logger
	observers []func(Event)
	reusePort bool
	spares    int
	fresh     bool
}

const (
	defaultGrace  = 5 * time.Second
	defaultSpares = 4
)

func newConfig(opts []Option) config {
	c := config{grace: defaultGrace, spares: defaultSpares}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithGrace sets how long connections may go on after Serve's ctx ends
// before they are cut (default 5 s). Shutdown's ctx sets it instead when
// Shutdown stops the server.
func WithGrace(d time.Duration) Option { return func(c *config) { c.grace = max(d, 0) } }

// WithLogger logs the server's events (see Event) to l: connections at
// Debug, workers at Info, failures at Warn.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithEvents calls fn with each of the server's events: which connection
// was accepted, which process served it, when it closed; which worker
// started and ended. Calls come one at a time, in the order the events
// happened as this process saw them, so fn needs no lock of its own; it
// must return quickly, as the server waits for it.
func WithEvents(fn func(Event)) Option {
	return func(c *config) { c.observers = append(c.observers, fn) }
}

// WithReusePort makes each Prefork worker bind a listener of its own to
// the server's address with SO_REUSEPORT, so that the kernel spreads new
// connections over the workers, instead of all of them accepting on the
// one listener they inherit. The listener given to Serve must have
// SO_REUSEPORT set (ListenReusePort makes one); the first worker accepts
// on it, so no connection waits on a socket no one accepts from. Other
// models ignore it.
func WithReusePort() Option { return func(c *config) { c.reusePort = true } }

// WithSpares sets how many children the Process model keeps waiting for
// connections while it serves (default 4): at most n children that served
// a connection wait for the next (the others end), and n warm spares
// (mproc.WarmSpares) stand ready to start new children without an exec;
// the spares are turned off (mproc.WarmSpares(0)) when Serve returns. 0
// keeps no child once its connection ends, and leaves mproc.WarmSpares to
// the program. Other models ignore it.
func WithSpares(n int) Option { return func(c *config) { c.spares = max(n, 0) } }

// WithFreshChildren makes the Process model start a new child for every
// connection, which ends with it, as the seeds' Process(target=talk) does:
// no connection's handler ever runs in a process another one's ran in.
// Without it a child that finished its connection may serve a later one
// (see Process). Warm spares (WithSpares) still spare each child the
// exec. Other models ignore it.
func WithFreshChildren() Option { return func(c *config) { c.fresh = true } }
