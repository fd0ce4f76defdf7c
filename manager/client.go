package manager

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"mproc"
	"mproc/connection"
	"mproc/internal/auth"
	"mproc/internal/lockword"
	"mproc/internal/mgr"
)

// client is this process's link to one manager: a few connections, one
// per call in progress, kept for the next calls.
type client struct {
	network, addr string
	key           auth.Key // never printed: see auth.Key

	mu   sync.Mutex
	free []*conn

	// anchor is a connection that makes no calls: while this process
	// lives it keeps a session open, so that the manager, which releases a
	// client's locks when its last session ends, keeps them when a call's
	// connection must be closed (a cancelled call). It is opened then, if
	// this process has taken a lock there (locked).
	anchor atomic.Pointer[conn]
	locked atomic.Bool
}

type conn struct {
	c   *mproc.Conn
	buf []byte
}

// clients are this process's manager clients by address, and the keys for
// them that Start or Connect gave; a proxy that arrives in a
// message finds its manager here (or uses this process's auth key, as
// CPython's proxies do).
var clients struct {
	sync.Mutex
	m map[string]*client
}

func clientKey(network, addr string) string { return network + "\x00" + addr }

// clientFor returns the client for a manager; key nil means the key
// already known for it, or this process's auth key.
func clientFor(network, addr string, key []byte) *client {
	clients.Lock()
	defer clients.Unlock()
	if clients.m == nil {
		clients.m = map[string]*client{}
	}
	k := clientKey(network, addr)
	cl := clients.m[k]
	if cl == nil {
		if key == nil {
			key = mproc.Current().AuthKey()
		}
		cl = &client{network: network, addr: addr, key: auth.NewKey(key)}
		clients.m[k] = cl
	} else if key != nil {
		cl.mu.Lock()
		cl.key = auth.NewKey(key)
		cl.mu.Unlock()
	}
	return cl
}

// clientID names this process to managers, for the locks it holds.
var clientID = sync.OnceValue(func() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:]) | 1
})

// call sends a request and returns the values of the answer.
func (cl *client) call(ctx context.Context, r *mgr.Request) ([][]byte, error) {
	r.Owner = clientID()
	if r.Token == 0 { // a proxy without an owner of its own acts for this process
		r.Token = lockword.OwnerToken(0)
	}
	if d, ok := ctx.Deadline(); ok {
		r.Deadline = d.UnixNano()
	}
	for tries := 0; ; tries++ {
		mc, fresh, err := cl.take(ctx)
		if err != nil {
			cl.lost(err)
			return nil, err
		}
		vals, err := cl.roundTrip(ctx, mc, r)
		var gone *connGone
		if errors.As(err, &gone) && !fresh && !gone.sent && tries == 0 {
			continue // a connection kept from before the manager went away: try a new one
		}
		cl.lost(err)
		return vals, err
	}
}

// connGone is a connection that broke during a call; sent says whether the
// request may have reached the manager.
type connGone struct {
	err  error
	sent bool
}

func (e *connGone) Error() string   { return fmt.Sprintf("%v: %v", ErrGone, e.err) }
func (e *connGone) Unwrap() []error { return []error{ErrGone, e.err} }

func (cl *client) roundTrip(ctx context.Context, mc *conn, r *mgr.Request) ([][]byte, error) {
	mc.buf = mgr.AppendRequest(mc.buf[:0], r)
	if err := mc.c.SendBytes(ctx, mc.buf); err != nil {
		cl.drop(mc, ctx.Err() != nil)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("manager: %w", ctx.Err())
		}
		return nil, &connGone{err: err}
	}
	rctx, stop := answerCtx(ctx, r.Op.Blocks())
	b, err := mc.c.RecvBytes(rctx)
	stop()
	if err != nil {
		broken := ctx.Err() == nil && (errors.Is(err, io.EOF) || errors.Is(err, mproc.ErrClosed))
		cl.drop(mc, !broken) // the answer may still come: this connection is out of step
		switch {
		case ctx.Err() != nil:
			return nil, fmt.Errorf("manager: %w", ctx.Err())
		case broken:
			return nil, &connGone{err: err, sent: true}
		}
		return nil, err
	}
	resp, err := mgr.DecodeResponse(b)
	if err != nil {
		cl.drop(mc, true)
		return nil, err
	}
	cl.give(mc)
	if resp.Code != mgr.CodeOK {
		return nil, answerError(resp, r)
	}
	return resp.Vals, nil
}

// answerCtx is the ctx to wait for an answer with. A call that blocks
// carries its deadline to the manager, which answers when it passes: the
// wait here gets a little longer, so that the answer, not this side's
// timer, ends the call (a connection left waiting for an answer can't be
// used again). Cancelling ctx still ends it at once.
func answerCtx(ctx context.Context, blocks bool) (context.Context, func()) {
	d, ok := ctx.Deadline()
	if !blocks || !ok {
		return ctx, func() {}
	}
	rctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), d.Add(time.Second))
	stop := context.AfterFunc(ctx, func() {
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			cancel()
		}
	})
	return rctx, func() { stop(); cancel() }
}

func (cl *client) take(ctx context.Context) (*conn, bool, error) {
	cl.mu.Lock()
	if n := len(cl.free); n > 0 {
		mc := cl.free[n-1]
		cl.free = cl.free[:n-1]
		cl.mu.Unlock()
		return mc, false, nil
	}
	key := cl.key.Bytes()
	cl.mu.Unlock()
	mc, err := cl.dial(ctx, key)
	return mc, true, err
}

func (cl *client) give(mc *conn) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if len(cl.free) < maxIdleManagerConns {
		cl.free = append(cl.free, mc)
		return
	}
	mc.c.Close()
}

// maxIdleManagerConns bounds the connections a process keeps to one
// manager between calls.
const maxIdleManagerConns = 16

// dial connects and says hello. On a Unix socket it asks for a pipe: calls
// then go through shared memory, and the socket is closed.
func (cl *client) dial(ctx context.Context, key []byte) (*conn, error) {
	c, err := connection.Dial(ctx, cl.network, cl.addr, connection.WithAuthKey(key))
	if err != nil {
		if errors.Is(err, mproc.ErrAuthentication) && !cutOff(err) {
			return nil, err // a wrong key, not a manager that went away mid-handshake
		}
		return nil, fmt.Errorf("%w: %w", ErrGone, err)
	}
	pipe := cl.network == "unix"
	hello := mgr.Request{Op: mgr.OpHello, Owner: clientID(), Args: [][]byte{{boolByte(pipe)}}}
	if err := c.SendBytes(ctx, mgr.AppendRequest(nil, &hello)); err != nil {
		c.Close()
		return nil, fmt.Errorf("%w: %w", ErrGone, err)
	}
	b, err := c.RecvBytes(ctx)
	if err == nil {
		var resp mgr.Response
		if resp, err = mgr.DecodeResponse(b); err == nil && resp.Code != mgr.CodeOK {
			err = answerError(resp, &hello)
		}
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("%w: hello: %w", ErrGone, err)
	}
	if !pipe {
		return &conn{c: c}, nil
	}
	defer c.Close()
	var end *mproc.Conn
	if err := c.Recv(ctx, &end); err != nil {
		return nil, fmt.Errorf("%w: pipe: %w", ErrGone, err)
	}
	return &conn{c: end}, nil
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// closeIdle closes the connections kept for later calls, and the anchor:
// the locks this process holds in the manager go when the calls in
// progress end.
func (cl *client) closeIdle() {
	cl.mu.Lock()
	free := cl.free
	cl.free = nil
	cl.mu.Unlock()
	if a := cl.anchor.Swap(nil); a != nil {
		free = append(free, a)
	}
	for _, mc := range free {
		mc.c.Close()
	}
}

// lost drops the anchor when err says the manager is gone: a manager that
// comes back on the same address needs a new one.
func (cl *client) lost(err error) {
	if err == nil || !errors.Is(err, ErrGone) {
		return
	}
	if a := cl.anchor.Swap(nil); a != nil {
		a.c.Close()
	}
}

// drop closes a connection that can't serve more calls. One the manager
// may still use (alive) is closed after the anchor is open, when this
// process may hold locks there.
func (cl *client) drop(mc *conn, alive bool) {
	if alive && cl.locked.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), anchorTimeout)
		cl.anchored(ctx)
		cancel()
	}
	mc.c.Close()
}

// anchorTimeout bounds the dial of an anchor.
const anchorTimeout = 5 * time.Second

// anchored makes sure the anchor is open.
func (cl *client) anchored(ctx context.Context) error {
	if cl.anchor.Load() != nil {
		return nil
	}
	cl.mu.Lock()
	key := cl.key.Bytes()
	cl.mu.Unlock()
	mc, err := cl.dial(ctx, key)
	if err != nil {
		return err
	}
	if !cl.anchor.CompareAndSwap(nil, mc) {
		mc.c.Close() // another goroutine's came first
	}
	return nil
}

// cutOff reports whether a handshake failed because the connection broke
// (the manager died in the middle: EOF, a reset, a broken pipe) rather than
// because the peer refused the key.
func cutOff(err error) bool {
	var errno syscall.Errno
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &errno)
}
