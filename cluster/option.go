package cluster

import (
	"runtime"
	"time"

	"github.com/nats-io/nats.go"
)

// Option configures Connect, NewPool, Serve and the shared objects; each
// says which options it reads, and ignores the others.
type Option func(*config)

type config struct {
	natsOpts    []nats.Option
	version     string
	pool        string
	workers     int
	ackWait     time.Duration
	maxDeliver  int
	taskTimeout time.Duration
	grace       time.Duration
	resultTTL   time.Duration
	ttl         time.Duration
}

const (
	defaultPool       = "default"
	defaultAckWait    = 30 * time.Second
	defaultMaxDeliver = 5
	defaultGrace      = time.Second
	defaultResultTTL  = time.Hour
	defaultLockTTL    = 10 * time.Second
)

func newConfig(opts []Option) config {
	c := config{
		pool: defaultPool, workers: runtime.NumCPU(),
		ackWait: defaultAckWait, maxDeliver: defaultMaxDeliver,
		grace: defaultGrace, resultTTL: defaultResultTTL, ttl: defaultLockTTL,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithNATSOptions passes options to nats.Connect (credentials, TLS, a
// name): Connect.
func WithNATSOptions(opts ...nats.Option) Option {
	return func(c *config) { c.natsOpts = append(c.natsOpts, opts...) }
}

// WithVersion sets the program's version, which a pool's tasks carry and a
// worker must match: NewPool, Serve. The default is a hash of the
// program's registered functions with their argument and result types, so
// that two builds that register the same functions agree.
func WithVersion(v string) Option { return func(c *config) { c.version = v } }

// WithPool names the pool Serve takes tasks from (default "default").
func WithPool(name string) Option { return func(c *config) { c.pool = name } }

// WithWorkers sets how many tasks Serve runs at a time, each in a local
// worker process (default runtime.NumCPU()); for NewPool, how many workers
// the cluster has, which sets Map's default chunking and Imap's window.
func WithWorkers(n int) Option { return func(c *config) { c.workers = n } }

// WithAckWait is how long a worker may go without a heartbeat before its
// task is delivered to another (default 30 s; heartbeats come three times
// in it): NewPool.
func WithAckWait(d time.Duration) Option { return func(c *config) { c.ackWait = d } }

// WithMaxDeliveries is how many times a task is delivered before its
// Future fails with *DeliveryError (default 5): NewPool.
func WithMaxDeliveries(n int) Option { return func(c *config) { c.maxDeliver = n } }

// WithTaskTimeout bounds each task from the moment a worker starts it, as
// mproc.WithTaskTimeout does for a local pool: NewPool. A deadline on the
// ctx of Submit bounds a task too, from its submission.
func WithTaskTimeout(d time.Duration) Option { return func(c *config) { c.taskTimeout = d } }

// WithTaskGrace is how long a task may run past its deadline before the
// worker process running it is killed (default 1 s): Serve. For NewPool,
// how long past a task's deadline its Future waits for a worker's verdict
// before it fails with mproc.ErrTimeout itself.
func WithTaskGrace(d time.Duration) Option { return func(c *config) { c.grace = d } }

// WithResultTTL is how long stored results are kept (default 1 h):
// NewPool. A result is read as soon as it is stored; the TTL bounds what
// is left by submitters that died.
func WithResultTTL(d time.Duration) Option { return func(c *config) { c.resultTTL = d } }

// WithTTL is how long a Lock outlives a holder that stopped renewing it
// (default 10 s; at least 1 s): NewLock.
func WithTTL(d time.Duration) Option { return func(c *config) { c.ttl = d } }
