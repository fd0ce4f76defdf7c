package manager

import (
	"context"
	"errors"
	"sync"

	"mproc"
	"mproc/connection"
	"mproc/internal/mgr"
)

// server serves a manager's objects to the clients of a connection.Listener.
type server struct {
	l    *connection.Listener
	srv  *mgr.Server
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// Serve runs a manager in this process on l, until ctx ends or a client
// calls Shutdown (CPython's get_server().serve_forever()); l's auth key is
// the manager's. Then it closes l, ends every session and returns nil.
func Serve(ctx context.Context, l *connection.Listener) error {
	ctx, stop := context.WithCancel(ctx)
	s := &server{l: l, srv: mgr.NewServer(), stop: stop}
	go func() {
		<-ctx.Done()
		l.Close() // ends Accept
	}()
	for {
		c, err := l.Accept(ctx)
		switch {
		case err == nil:
			s.wg.Go(func() { s.session(ctx, c) })
		case errors.Is(err, mproc.ErrAuthentication):
			// that client gets the error too; serve the others
		case ctx.Err() != nil || errors.Is(err, mproc.ErrClosed):
			s.wg.Wait()
			return nil
		}
	}
}

// session serves one client connection: a hello first, then calls until the
// client goes or the server stops.
func (s *server) session(ctx context.Context, c *mproc.Conn) {
	defer func() { c.Close() }()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer func() { stop() }() // the stop of the connection served last
	b, err := c.RecvBytes(ctx)
	if err != nil {
		return
	}
	hello, err := mgr.DecodeRequest(b)
	if err != nil || hello.Op != mgr.OpHello {
		c.SendBytes(ctx, mgr.AppendResponse(nil, &mgr.Response{Code: mgr.CodeRefused, Msg: "manager: a session begins with a hello"}))
		return
	}
	s.srv.ClientCame(hello.Owner)
	defer s.srv.ClientLeft(hello.Owner)
	vals, _ := s.srv.Handle(ctx, &hello)
	if c.SendBytes(ctx, mgr.AppendResponse(nil, &mgr.Response{Vals: vals})) != nil {
		return
	}
	if len(hello.Args) == 1 && len(hello.Args[0]) == 1 && hello.Args[0][0] == 1 {
		up := s.upgrade(ctx, c)
		if up == nil {
			return
		}
		stop()
		c = up
		stop = context.AfterFunc(ctx, func() { up.Close() })
	}
	s.serve(ctx, c)
}

// upgrade moves a local client to a pipe, sent over its socket: calls then
// cost no system call. The socket is closed.
func (s *server) upgrade(ctx context.Context, c *mproc.Conn) *mproc.Conn {
	defer c.Close()
	mine, theirs, err := mproc.Pipe(true)
	if err != nil {
		return nil
	}
	err = c.Send(ctx, theirs)
	theirs.Close()
	if err != nil {
		mine.Close()
		return nil
	}
	return mine
}

func (s *server) serve(ctx context.Context, c *mproc.Conn) {
	var out []byte
	for {
		b, err := c.RecvBytes(ctx)
		if err != nil {
			return
		}
		r, err := mgr.DecodeRequest(b)
		var resp mgr.Response
		switch {
		case err != nil:
			resp = errResponse(err)
		case r.Op == mgr.OpShutdown:
			c.SendBytes(ctx, mgr.AppendResponse(out[:0], &resp))
			s.stop()
			return
		default:
			resp = s.call(ctx, c, &r)
		}
		out = mgr.AppendResponse(out[:0], &resp)
		if err := c.SendBytes(ctx, out); err != nil {
			if resp.Code == mgr.CodeOK { // done, and the client won't know
				s.srv.Undo(&r, resp.Vals)
			}
			return
		}
	}
}

// call runs one request. One that may wait watches the connection: a
// client that goes away ends the wait, and what the call did for it is
// undone.
func (s *server) call(ctx context.Context, c *mproc.Conn, r *mgr.Request) mgr.Response {
	if !r.Op.Blocks() {
		vals, err := s.srv.Handle(ctx, r)
		if err != nil {
			return errResponse(err)
		}
		return mgr.Response{Vals: vals}
	}
	gone, cancel := context.WithCancel(ctx)
	defer cancel()
	watch, unwatch := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		// The client sends nothing while it waits for this answer: a
		// readable connection is one that has ended.
		if ok, _ := c.Poll(watch); ok {
			cancel()
		}
	})
	vals, err := s.srv.Handle(gone, r)
	unwatch()
	wg.Wait()
	if err != nil {
		return errResponse(err)
	}
	if gone.Err() != nil {
		s.srv.Undo(r, vals)
		return errResponse(ErrGone)
	}
	return mgr.Response{Vals: vals}
}

func errResponse(err error) mgr.Response {
	return mgr.Response{Code: mgr.CodeOf(err), Msg: err.Error()}
}
