package load

import (
	"fmt"
	"time"
)

// Option configures Run.
type Option func(*config)

// The defaults: the seeds' scenario of a few dozen clients sending short
// lines.
const (
	DefaultConns    = 50
	DefaultDuration = 2 * time.Second
	DefaultSize     = 64
)

type config struct {
	conns    int
	duration time.Duration
	size     int
	churn    bool
}

// WithConns sets how many clients run at once (DefaultConns).
func WithConns(n int) Option { return func(c *config) { c.conns = n } }

// WithDuration sets how long the run lasts, dialing included
// (DefaultDuration).
func WithDuration(d time.Duration) Option { return func(c *config) { c.duration = d } }

// WithSize sets the size in bytes of each request and so of each reply
// (DefaultSize).
func WithSize(n int) Option { return func(c *config) { c.size = n } }

// WithChurn makes each client dial a new connection for every request and
// close it after the reply.
func WithChurn(on bool) Option { return func(c *config) { c.churn = on } }

// maxSize bounds a message: the clients hold two buffers of it each.
const maxSize = 64 << 20

func newConfig(opts []Option) (config, error) {
	c := config{conns: DefaultConns, duration: DefaultDuration, size: DefaultSize}
	for _, o := range opts {
		o(&c)
	}
	switch {
	case c.conns < 1:
		return c, fmt.Errorf("%w: %d connections, want at least 1", ErrBadOption, c.conns)
	case c.duration <= 0:
		return c, fmt.Errorf("%w: duration %v, want more than 0", ErrBadOption, c.duration)
	case c.size < 1 || c.size > maxSize:
		return c, fmt.Errorf("%w: message size %d, want 1 to %d bytes", ErrBadOption, c.size, maxSize)
	}
	return c, nil
}
