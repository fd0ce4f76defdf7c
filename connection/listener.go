package connection

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"

	"mproc"
)

// Listener accepts connections and hands out their ends as *mproc.Conn
// (CPython's multiprocessing.connection.Listener), after the handshake when
// it has an auth key.
type Listener struct {
	ln  net.Listener
	cfg config

	// ln.Accept has no ctx: it runs in a goroutine, and a connection it
	// gets after the Accept that asked has given up waits here for the
	// next one, so none is lost.
	results  chan accepted
	mu       sync.Mutex
	inFlight bool
	done     chan struct{}
	once     sync.Once
}

type accepted struct {
	c   net.Conn
	err error
}

// Listen listens on address: network "tcp", "tcp4" or "tcp6" and
// "host:port" (names resolved as net.Listen does; port 0 picks one), or
// "unix" and a path ("@name" is Linux's abstract namespace). Listening on
// an address in use is an error. A socket file is made with mode 0600,
// whatever the umask (only its owner, and root, may connect), and removed
// at Close; an abstract name has no file and no mode, so the auth key is
// all that guards it.
func Listen(network, address string, opts ...Option) (*Listener, error) {
	if err := checkNetwork(network); err != nil {
		return nil, err
	}
	if network == "unix" && (address == "" || address == "@") {
		return nil, fmt.Errorf("connection: listen unix: an empty address")
	}
	path := ""
	if network == "unix" && !strings.HasPrefix(address, "@") {
		path = address
	}
	var lc net.ListenConfig
	if path != "" {
		// Linux makes the socket file with the socket's own mode less
		// the umask, so after this fchmod it is born 0600 or less: there
		// is no moment at which another user may open it.
		lc.Control = func(_, _ string, c syscall.RawConn) error {
			var err error
			if cerr := c.Control(func(fd uintptr) { err = ownerOnly(fd) }); cerr != nil {
				return cerr
			}
			return err
		}
	}
	ln, err := lc.Listen(context.Background(), network, address)
	if err != nil {
		return nil, err
	}
	if path != "" {
		// Exactly 0600 whatever the umask: one with owner bits (0700, say)
		// would shut the owner out too.
		if err := os.Chmod(path, 0o600); err != nil {
			ln.Close()
			return nil, err
		}
	}
	return NewListener(ln, opts...), nil
}

// checkNetwork refuses networks that are not byte streams mproc can frame.
func checkNetwork(network string) error {
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
		return nil
	}
	return fmt.Errorf("connection: network %q: use tcp, tcp4, tcp6 or unix", network)
}

// NewListener accepts from ln, which it now owns: any net.Listener, such
// as tls.NewListener's, one made by net.FileListener from a descriptor a
// service manager passed down, or a *net.UnixListener.
func NewListener(ln net.Listener, opts ...Option) *Listener {
	return &Listener{ln: ln, cfg: newConfig(opts), results: make(chan accepted), done: make(chan struct{})}
}

// Addr is the address the listener is on (with the port chosen, for port 0).
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Accept waits for a connection, runs the handshake, and returns the
// connection's end. A peer that fails the handshake, or does not finish it
// in time (WithHandshakeTimeout), is hung up on and Accept returns
// ErrAuthentication; call it again for the next peer. When ctx ends first
// it returns ctx's error; after Close, ErrClosed.
func (l *Listener) Accept(ctx context.Context) (*mproc.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	if !l.inFlight {
		l.inFlight = true
		go l.acceptOne()
	}
	l.mu.Unlock()
	select {
	case a := <-l.results:
		if a.err != nil {
			return nil, a.err
		}
		return l.serve(ctx, a.c)
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.done:
		return nil, mproc.ErrClosed
	}
}

// acceptOne takes the next connection for an Accept, now or to come.
func (l *Listener) acceptOne() {
	c, err := l.ln.Accept()
	l.mu.Lock()
	l.inFlight = false
	l.mu.Unlock()
	if errors.Is(err, net.ErrClosed) {
		err = mproc.ErrClosed
	}
	select {
	case l.results <- accepted{c, err}:
	case <-l.done:
		if c != nil {
			c.Close()
		}
	}
}

func (l *Listener) serve(ctx context.Context, c net.Conn) (*mproc.Conn, error) {
	if err := shake(ctx, c, &l.cfg, true); err != nil {
		c.Close()
		return nil, err
	}
	end, err := newConn(c, &l.cfg)
	if err != nil || !upgrades(c, &l.cfg) {
		return end, err
	}
	return offerPipe(ctx, end, &l.cfg)
}

// Close stops listening (a Unix socket file the listener made is removed);
// an Accept waiting returns ErrClosed. Connections accepted stay open.
// Close twice is fine.
func (l *Listener) Close() error {
	var err error
	l.once.Do(func() {
		close(l.done)
		err = l.ln.Close()
	})
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
