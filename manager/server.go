package mproc

import (
	"context"
	"errors"
	"sync"

	"mproc/internal/mgr"
)

// mgrServer serves a manager's objects to the clients of a Listener.
type mgrServer struct {
	l    *Listener
	srv  *mgr.Server
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// serveManager serves on l until ctx ends or a client asks the manager to
// shut down; then it closes l and ends every session.
func serveManager(ctx context.Context, l *Listener) error {
	ctx, stop := context.WithCancel(ctx)
	s := &mgrServer{l: l, srv: mgr.NewServer(), stop: stop}
	go func() {
		<-ctx.Done()
		l.Close() // ends Accept
	}()
	for {
		c, err := l.Accept(ctx)
		switch {
		case err == nil:
			s.wg.Go(func() { s.session(ctx, c) })
		case errors.Is(err, ErrAuthentication):
			// that client gets the error too; serve the others
		case ctx.Err() != nil || errors.Is(err, ErrClosed):
			s.wg.Wait()
			return nil
		}
	}
}

// session serves one client connection: a hello first, then calls until the
// client goes or the server stops.
func (s *mgrServer) session(ctx context.Context, c *Conn) {
	defer func() { c.Close() }()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	b, err := c.RecvBytes(ctx)
	if err != nil {
		return
	}
	hello, err := mgr.DecodeRequest(b)
	if err != nil || hello.Op != mgr.OpHello {
		c.SendBytes(ctx, mgr.AppendResponse(nil, &mgr.Response{Code: mgr.CodeRefused, Msg: "mproc: a manager session begins with a hello"}))
		return
	}
	s.srv.ClientCame(hello.Owner)
	defer s.srv.ClientLeft(hello.Owner)
	vals, _ := s.srv.Handle(ctx, &hello)
	if c.SendBytes(ctx, mgr.AppendResponse(nil, &mgr.Response{Vals: vals})) != nil {
		return
	}
	if len(hello.Args) == 1 && len(hello.Args[0]) == 1 && hello.Args[0][0] == 1 {
		if c = s.upgrade(ctx, c); c == nil {
			return
		}
		stop()
		stop = context.AfterFunc(ctx, func() { c.Close() })
	}
	s.serve(ctx, c)
}

// upgrade moves a local client to a pipe, sent over its socket: calls then
// cost no system call. The socket is closed.
func (s *mgrServer) upgrade(ctx context.Context, c *Conn) *Conn {
	defer c.Close()
	mine, theirs, err := Pipe(true)
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

func (s *mgrServer) serve(ctx context.Context, c *Conn) {
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
func (s *mgrServer) call(ctx context.Context, c *Conn, r *mgr.Request) mgr.Response {
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
		return errResponse(ErrManagerGone)
	}
	return mgr.Response{Vals: vals}
}

func errResponse(err error) mgr.Response {
	return mgr.Response{Code: mgr.CodeOf(err), Msg: err.Error()}
}
