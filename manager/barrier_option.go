package manager

import "time"

// BarrierOption configures NewBarrier.
type BarrierOption func(*barrierConfig)

type barrierConfig struct{ timeout time.Duration }

// WithBarrierTimeout bounds each Wait whose ctx has no deadline by d
// (CPython's timeout argument); a wait that times out breaks the barrier,
// as in CPython. The default is no bound.
func WithBarrierTimeout(d time.Duration) BarrierOption {
	return func(c *barrierConfig) { c.timeout = max(d, 0) }
}
