package manager

import "mproc/internal/auth"

// Option configures Start.
type Option func(*config)

type config struct {
	network, addr string
	key           auth.Key // never printed: see auth.Key
}

// WithAddress sets where the manager listens: a Unix socket path ("@name"
// for Linux's abstract namespace) or a TCP "host:port". The default is a
// fresh abstract Unix socket.
func WithAddress(network, address string) Option {
	return func(c *config) { c.network, c.addr = network, address }
}

// WithAuthKey sets the key clients must prove they hold (default: this
// process's auth key, which its children inherit).
func WithAuthKey(key []byte) Option {
	return func(c *config) { c.key = auth.NewKey(key) }
}
