package server

import (
	"context"
	"errors"
	"net"
	"sync"
)

// Server serves connections with a Handler on a Model. Make one with New;
// Serve runs it on a listener, and Shutdown (or the end of Serve's ctx)
// stops it gracefully, as net/http's Server.
type Server struct {
	h   *Handler
	m   Model
	cfg config

	mu     sync.Mutex
	closed bool // Shutdown was called
	active *run
}

// New returns a server that serves connections with h on m.
func New(h *Handler, m Model, opts ...Option) *Server {
	return &Server{h: h, m: m, cfg: newConfig(opts)}
}

// Serve is New(h, m, opts...).Serve(ctx, ln).
func Serve(ctx context.Context, ln net.Listener, h *Handler, m Model, opts ...Option) error {
	return New(h, m, opts...).Serve(ctx, ln)
}

// Serve accepts connections on ln and serves them until ctx ends or
// Shutdown is called. Then it closes ln, lets the connections in flight
// finish for the grace period (WithGrace, or until Shutdown's ctx ends),
// cuts the ones left (their processes are killed if they do not end within
// a second), and returns once every connection is closed and every process
// it started has been reaped. It returns ctx's error when ctx ended it,
// ErrServerClosed after Shutdown, or the error that made it stop: a
// listener that failed, or processes that could not start.
//
// One Serve runs at a time; after it returns, Serve may be called again,
// unless Shutdown was called.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if ln == nil {
		return errors.New("server: no listener")
	}
	r, err := s.begin(ln)
	if err != nil {
		ln.Close()
		return err
	}
	defer s.end(r)
	return r.serve(ctx)
}

func (s *Server) begin(ln net.Listener) (*run, error) {
	if s.h == nil {
		return nil, errors.New("server: no handler")
	}
	if err := s.m.check(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return nil, ErrServerClosed
	case s.active != nil:
		return nil, errors.New("server: already serving")
	}
	s.active = newRun(s, ln)
	return s.active, nil
}

func (s *Server) end(r *run) {
	s.mu.Lock()
	s.active = nil
	s.mu.Unlock()
	close(r.done)
}

// Shutdown stops the server gracefully: Serve stops accepting and the
// connections in flight go on until they end or ctx does; then the ones
// left are cut. It returns once Serve has cleaned up (every process
// reaped): nil if the connections ended by themselves, else ctx's error.
// A Serve called later returns ErrServerClosed.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	r := s.active
	s.mu.Unlock()
	if r == nil {
		return nil
	}
	r.requestStop(ErrServerClosed)
	stop := context.AfterFunc(ctx, r.cut)
	defer stop()
	<-r.done
	if r.wasCut() && ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}
