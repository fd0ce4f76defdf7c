package connection

import (
	"context"
	"net"
	"syscall"

	"mproc"
	"mproc/internal/rootlink"
)

// Dial connects to a Listener (CPython's Client) with a net.Dialer: network
// and address as for Listen. With an auth key it answers the listener's
// challenge and then challenges it; a peer with another key gets
// ErrAuthentication on both sides. ctx bounds the dial and the handshake.
func Dial(ctx context.Context, network, address string, opts ...Option) (*mproc.Conn, error) {
	if err := checkNetwork(network); err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return Client(ctx, c, opts...)
}

// Client runs the dialling side's handshake on a connection made some
// other way (tls.Client's, say) and returns its end, which owns c; on
// failure c is closed.
func Client(ctx context.Context, c net.Conn, opts ...Option) (*mproc.Conn, error) {
	cfg := newConfig(opts)
	if err := shake(ctx, c, &cfg, false); err != nil {
		c.Close()
		return nil, err
	}
	end, err := newConn(c, &cfg)
	if err != nil || !upgrades(c, &cfg) {
		return end, err
	}
	return takePipe(ctx, end, &cfg)
}

// newConn makes the end over c, after the handshake. A Unix socket carries
// shared objects; a TCP or Unix end can be passed to another process; a
// TLS one can do neither, and Poll looks at the socket beneath it.
func newConn(c net.Conn, cfg *config) (*mproc.Conn, error) {
	rc := rootlink.ConnConfig{MaxMessage: cfg.max, Python: cfg.python}
	_, rc.Unix = c.(*net.UnixConn)
	if layered, ok := c.(interface{ NetConn() net.Conn }); ok {
		rc.Under, _ = layered.NetConn().(syscall.Conn)
	}
	end, err := rootlink.NewConn(c, rc)
	if err != nil {
		c.Close()
		return nil, err
	}
	return end.(*mproc.Conn), nil
}
