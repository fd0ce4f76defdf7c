package natsproc

import "time"

// Option configures Start.
type Option func(*options)

type options struct {
	binary    string
	stopGrace time.Duration // 0: the default, stopGrace
}

// WithBinary runs the nats-server binary at path instead of the one
// Locate finds.
func WithBinary(path string) Option {
	return func(o *options) { o.binary = path }
}
