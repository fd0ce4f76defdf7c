package connection

import (
	"time"

	"mproc/internal/auth"
)

// Option configures Listen, NewListener, Dial and Client.
type Option func(*config)

type config struct {
	key       auth.Key // zero: no handshake
	handshake time.Duration
	python    bool
	max       int
	shm       bool
}

func newConfig(opts []Option) config {
	c := config{handshake: DefaultHandshakeTimeout, max: DefaultMaxMessage}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// DefaultHandshakeTimeout bounds a handshake unless WithHandshakeTimeout
// says otherwise: Accept serves one peer at a time, and a peer that
// connects and then says nothing must not keep the listener from everyone
// else (a manager's clients, say).
const DefaultHandshakeTimeout = 10 * time.Second

// DefaultMaxMessage bounds a message, both ways, unless WithMaxMessage
// says otherwise (1 GiB).
const DefaultMaxMessage = 1 << 30

// WithAuthKey makes both sides prove they hold key before any message
// (CPython's authkey): each challenges the other with a random nonce and
// checks an HMAC of it, so the key never crosses. A peer with another key
// gets ErrAuthentication, on both sides. nil (the default) means no
// handshake, as in CPython.
func WithAuthKey(key []byte) Option {
	return func(c *config) { c.key = auth.NewKey(key) }
}

// WithHandshakeTimeout bounds the handshake (default 10 s); a peer that
// has not finished it by then is hung up on with ErrAuthentication. The
// call's ctx bounds it too.
func WithHandshakeTimeout(d time.Duration) Option {
	return func(c *config) { c.handshake = d }
}

// WithPython speaks CPython's wire rather than mproc's, to talk with a
// Python program's multiprocessing.connection Listener or Client: its
// framing, its handshake, and Send and Recv values as pickles of plain data
// (None, bool, int, float, str, bytes, list, tuple, dict). SendBytes and
// RecvBytes carry bytes as send_bytes and recv_bytes do. No shared object
// (Lock, Queue, Conn ...) crosses to a Python peer, and a pickle of
// anything but plain data is refused, never run.
func WithPython() Option {
	return func(c *config) { c.python = true }
}

// WithMaxMessage bounds a message both ways (default 1 GiB): sending a
// larger one fails with ErrTooLarge before anything is written; receiving
// one fails with ErrTooLarge, and in mproc's framing skips it (in
// CPython's, which can't skip, it leaves the connection unusable).
func WithMaxMessage(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.max = n
		}
	}
}

// WithSharedMemory moves a connection over a Unix socket to shared memory
// after the handshake, for peers on one machine: the listener sends one end
// of a new Pipe over the socket, both sides use the pipe (a round trip then
// needs no system call while both are running), and the socket is closed.
// Both sides must say so: a dialler with it waits for that pipe end, and a
// listener with it sends one. It does nothing over TCP or TLS, nor with
// WithPython.
func WithSharedMemory() Option {
	return func(c *config) { c.shm = true }
}
