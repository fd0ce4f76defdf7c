package mproc

import (
	"time"

	"mproc/internal/auth"
)

// Option configures a process before it starts.
type Option func(*procConfig)

type procConfig struct {
	name         string
	daemon       bool
	authKey      auth.Key // never printed: see auth.Key
	startTimeout time.Duration
	grace        time.Duration
}

// defaultStartTimeout bounds how long Start waits for a child to reach
// mproc.Main and accept its work.
const defaultStartTimeout = 3 * time.Second

// defaultTerminateGrace is how long a terminated child's target has, after
// its context is cancelled, before the child ends anyway.
const defaultTerminateGrace = time.Second

func newProcConfig(opts []Option) procConfig {
	c := procConfig{startTimeout: defaultStartTimeout, grace: defaultTerminateGrace}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithName sets the process name (default "Process-N", numbered like CPython:
// "Process-2:1" is the first child of "Process-2").
func WithName(name string) Option { return func(c *procConfig) { c.name = name } }

// WithDaemon makes the child a daemon: it ends when its parent ends, however
// the parent ends, and may not start children of its own.
func WithDaemon(daemon bool) Option { return func(c *procConfig) { c.daemon = daemon } }

// WithAuthKey sets the child's auth key (default, and for an empty key:
// the parent's).
func WithAuthKey(key []byte) Option {
	return func(c *procConfig) { c.authKey = auth.NewKey(append([]byte(nil), key...)) }
}

// WithStartTimeout bounds how long Start waits for the child to accept its
// work (default 3 s). A child that does not call mproc.Main
// is killed when it runs out.
func WithStartTimeout(d time.Duration) Option {
	return func(c *procConfig) { c.startTimeout = d }
}

// WithTerminateGrace sets how long the child's target may run after
// Terminate cancels its context (default 1 s).
func WithTerminateGrace(d time.Duration) Option { return func(c *procConfig) { c.grace = d } }
