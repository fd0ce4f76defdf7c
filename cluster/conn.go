package cluster

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Conn is a connection to a NATS server with JetStream. It reconnects by
// itself when the server restarts, for as long as it is open.
type Conn struct {
	nc *nats.Conn
	js jetstream.JetStream

	mu          sync.Mutex
	reconnected []func()
}

// Connect connects to the NATS server at url (a comma-separated list for
// a cluster: nats://a:4222,nats://b:4222). Options: WithNATSOptions.
func Connect(ctx context.Context, url string, opts ...Option) (*Conn, error) {
	cfg := newConfig(opts)
	c := &Conn{}
	nopts := []nats.Option{
		nats.MaxReconnects(-1), // a restarted server is waited for, not given up on
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectHandler(func(*nats.Conn) { c.onReconnect() }),
	}
	if d, ok := ctx.Deadline(); ok {
		nopts = append(nopts, nats.Timeout(time.Until(d)))
	}
	nopts = append(nopts, cfg.natsOpts...)
	type result struct {
		nc  *nats.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() { nc, err := nats.Connect(url, nopts...); ch <- result{nc, err} }()
	var r result
	select {
	case r = <-ch:
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.nc != nil {
				r.nc.Close()
			}
		}()
		return nil, ctx.Err()
	}
	if r.err != nil {
		return nil, fmt.Errorf("cluster: connecting to %s: %w", url, r.err)
	}
	js, err := jetstream.New(r.nc)
	if err != nil {
		r.nc.Close()
		return nil, fmt.Errorf("cluster: %w", err)
	}
	c.nc, c.js = r.nc, js
	return c, nil
}

// NATS is the underlying connection, for what this package does not cover.
func (c *Conn) NATS() *nats.Conn { return c.nc }

// JetStream is the connection's JetStream context.
func (c *Conn) JetStream() jetstream.JetStream { return c.js }

// Close closes the connection. Pools, queues and locks on it stop working.
func (c *Conn) Close() error {
	c.nc.Close()
	return nil
}

// whenReconnected runs fn after each reconnection, until the returned
// function is called.
func (c *Conn) whenReconnected(fn func()) (stop func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reconnected = append(c.reconnected, fn)
	i := len(c.reconnected) - 1
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.reconnected[i] = nil
	}
}

func (c *Conn) onReconnect() {
	c.mu.Lock()
	fns := append([]func(){}, c.reconnected...)
	c.mu.Unlock()
	for _, fn := range fns {
		if fn != nil {
			fn()
		}
	}
}

// validName says whether name is 1 to 64 letters, digits, _ and -. A loop,
// not a regexp: `{1,64}` compiles to 64 copies of the class, work that
// every process linking this package, every mproc child included, would do
// at start.
func validName(name string) bool {
	if len(name) < 1 || len(name) > 64 {
		return false
	}
	for _, c := range []byte(name) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

func checkName(kind, name string) error {
	if !validName(name) {
		return fmt.Errorf("%w: %s %q: use 1 to 64 letters, digits, _ and -", ErrBadName, kind, name)
	}
	return nil
}
