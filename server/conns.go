package server

import (
	"context"
	"fmt"
	"net"
	"runtime/debug"
	"sync"
)

// tracked is a connection the server's process accepted (every model but
// Prefork), from its accept until it is closed.
type tracked struct {
	r      *run
	id     uint64
	c      net.Conn    // the goroutine models'
	sock   *heldSocket // the process models': the server's copy, passed to a child
	remote string

	mu     sync.Mutex
	cancel context.CancelFunc // the handler's context, in this process
	sess   *bsession          // the broker session of the child that took it
	abort  func()             // withdraws it from a pool queue it waits in
	isCut  bool
	ended  bool
}

// track records an accepted connection; nil means the server is stopping
// and has closed it.
func (r *run) track(c net.Conn) *tracked {
	t := &tracked{r: r, c: c, remote: c.RemoteAddr().String()}
	var holdErr error
	if !r.s.m.inProcess() {
		t.c = nil
		t.sock, holdErr = holdSocket(c)
	}
	r.mu.Lock()
	if r.stopping {
		r.mu.Unlock()
		t.close()
		return nil
	}
	r.nextID++
	t.id = r.nextID
	r.conns[t.id] = t
	r.mu.Unlock()
	r.ev.emit(Event{Kind: EventAccepted, Conn: t.id, Remote: t.remote})
	if holdErr != nil {
		r.finish(t, holdErr)
		return nil
	}
	return t
}

func (r *run) lookup(id uint64) *tracked {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conns[id]
}

// finish closes a connection whose handler returned with err (or whose
// process ended), and reports it.
func (r *run) finish(t *tracked, err error) {
	t.mu.Lock()
	if t.ended {
		t.mu.Unlock()
		return
	}
	t.ended = true
	if t.isCut {
		err = ErrCut
	}
	t.mu.Unlock()
	t.close()
	r.mu.Lock()
	delete(r.conns, t.id)
	r.checkIdleLocked()
	r.mu.Unlock()
	r.ev.emit(Event{Kind: EventClosed, Conn: t.id, Remote: t.remote, Pid: t.pid(), Err: err})
}

func (t *tracked) pid() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sess != nil {
		return t.sess.pid
	}
	if t.cancel != nil {
		return t.r.pid
	}
	return 0
}

// close closes the server's copy of the connection.
func (t *tracked) close() {
	switch {
	case t.sock != nil:
		t.sock.Close()
	case t.c != nil:
		t.c.Close()
	}
}

// withFD runs fn with the connection's descriptor.
func (t *tracked) withFD(fn func(fd int) error) error {
	switch {
	case t.sock != nil:
		return t.sock.withFD(fn)
	case t.c != nil:
		return withFD(t.c, fn)
	}
	return net.ErrClosed
}

// cutConns cuts every connection.
func (r *run) cutConns() {
	r.mu.Lock()
	ts := make([]*tracked, 0, len(r.conns))
	for _, t := range r.conns {
		ts = append(ts, t)
	}
	r.mu.Unlock()
	for _, t := range ts {
		t.cut()
	}
}

// cut closes the connection for every process: shutdown(2) reaches the
// socket a child holds too, so its reads end and its client sees the end.
func (t *tracked) cut() {
	t.mu.Lock()
	if t.ended || t.isCut {
		t.mu.Unlock()
		return
	}
	t.isCut = true
	cancel, sess, abort := t.cancel, t.sess, t.abort
	t.mu.Unlock()
	t.withFD(shutdownFD)
	if cancel != nil {
		cancel()
		t.close()
	}
	if sess != nil {
		sess.queue(frame{op: opCut, id: t.id}, false)
	}
	if abort != nil {
		abort()
	}
}

// serveHere runs the handler on t in this process (the goroutine models).
func (r *run) serveHere(t *tracked) {
	ctx, cancel := context.WithCancel(r.base)
	t.mu.Lock()
	t.cancel = cancel
	isCut := t.isCut
	t.mu.Unlock()
	if isCut {
		cancel()
	}
	r.ev.emit(Event{Kind: EventServed, Conn: t.id, Remote: t.remote, Pid: r.pid})
	var seats memberList
	ctx = withRoom(ctx, seats.track(r.hub.joinLocal))
	err := callHandler(ctx, r.h.fn, t.c)
	cancel()
	seats.closeAll()
	r.finish(t, err)
}

// callHandler runs fn, and turns a panic into an error with the stack: a
// handler's panic costs its connection, not the server.
func callHandler(ctx context.Context, fn func(context.Context, net.Conn) error, c net.Conn) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("server: the handler panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(ctx, c)
}

// memberList is the room seats one connection's handler took, which are
// left when the handler returns.
type memberList struct {
	mu    sync.Mutex
	seats []roomMember
}

func (l *memberList) track(j joiner) joiner {
	return func(ctx context.Context) (roomMember, error) {
		m, err := j(ctx)
		if err == nil {
			l.mu.Lock()
			l.seats = append(l.seats, m)
			l.mu.Unlock()
		}
		return m, err
	}
}

func (l *memberList) closeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.seats {
		m.close()
	}
	l.seats = nil
}
