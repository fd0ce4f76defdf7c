package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync"
	"time"
)

// serveChild is the registered function of a child serving one connection
// (the Process and ProcessPool models): it takes its socket from the
// broker and runs the handler on it.
func (h *Handler) serveChild(ctx context.Context, a connArg) error {
	ignoreInterrupt()
	s, f, file, err := dialSession(ctx, a.Broker, a.Key, frame{op: opHelloConn, id: a.ID})
	if err != nil {
		return err
	}
	defer s.close()
	if f.op != opConnFD || file == nil {
		return fmt.Errorf("%w: op %d instead of a connection", errFrame, f.op)
	}
	c, err := net.FileConn(file)
	file.Close()
	if err != nil {
		return err
	}
	return s.serveConn(ctx, h, a.ID, quiet(c))
}

// procArg is what a Process child is given: where the broker is, the key
// that opens it, its number, and whether it ends after one connection.
type procArg struct {
	Broker string
	Key    []byte
	ID     uint64
	Fresh  bool
}

// serveProc is a Process child: it serves the connections the server gives
// it, one at a time, telling the server as each ends, until the server
// says stop (it has idle children enough, or is stopping) or, for a fresh
// child, after its first. A fresh child's result is its handler's error.
func (h *Handler) serveProc(ctx context.Context, a procArg) error {
	ignoreInterrupt()
	s, f, file, err := dialSession(ctx, a.Broker, a.Key, frame{op: opHelloProc, id: a.ID})
	if file != nil {
		file.Close()
	}
	if err != nil {
		return err
	}
	defer s.close()
	if f.op != opReady {
		return fmt.Errorf("%w: op %d instead of ready", errFrame, f.op)
	}
	for {
		select {
		case g := <-s.granted:
			err := s.serveGrant(ctx, h, g)
			if a.Fresh {
				return err
			}
		case <-s.stop:
			return nil
		case <-s.dead:
			return nil
		case <-ctx.Done():
			return nil
		}
	}
}

// serveGrant serves one connection and reports its end (with the
// handler's error) to the server, which then closes its own copy.
func (s *csession) serveGrant(ctx context.Context, h *Handler, g grant) error {
	var err error
	if g.file == nil {
		err = fmt.Errorf("%w: connection %d came without its descriptor", errFrame, g.id)
	} else {
		var c net.Conn
		c, err = net.FileConn(g.file)
		g.file.Close()
		if err == nil {
			err = s.serveConn(ctx, h, g.id, quiet(c))
		}
	}
	var msg []byte
	if err != nil {
		msg = []byte(err.Error())
		msg = msg[:min(len(msg), maxMessage)]
	}
	s.send(frame{op: opClosed, id: g.id, data: msg})
	return err
}

// ignoreInterrupt keeps a Ctrl-C in the terminal, which reaches the whole
// process group, from ending a child in the middle of a connection: the
// server's process decides, and stops the server gracefully.
func ignoreInterrupt() { signal.Ignore(os.Interrupt) }

// workerArg is what a prefork worker is given: where the broker is, the
// key that opens it, its number, and where to bind its own listener (an
// empty Addr: it inherits the server's).
type workerArg struct {
	Broker  string
	Key     []byte
	ID      uint64
	Network string
	Addr    string
	Report  bool // report each connection to the server's process (someone observes events)
}

// runWorker is a prefork worker: it accepts and serves connections until
// the server tells it to stop, then waits for them to end.
func (h *Handler) runWorker(ctx context.Context, a workerArg) error {
	ignoreInterrupt()
	s, f, file, err := dialSession(ctx, a.Broker, a.Key, frame{op: opHelloWorker, id: a.ID})
	if err != nil {
		return err
	}
	defer s.close()
	ln, err := workerListener(ctx, a, f, file)
	if err != nil {
		return err
	}
	if err := s.send(frame{op: opReady, id: a.ID}); err != nil {
		ln.Close()
		return err
	}
	go func() {
		select {
		case <-s.stop:
		case <-s.dead:
		case <-ctx.Done():
			s.cut(0)
		}
		ln.Close()
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	return acceptWorker(ln, s, func(id uint64, c net.Conn) {
		wg.Go(func() { s.serveReported(ctx, h, id, c, a.Report) })
	})
}

func workerListener(ctx context.Context, a workerArg, f frame, file *os.File) (net.Listener, error) {
	switch {
	case f.op == opListenerFD && file != nil:
		defer file.Close()
		return net.FileListener(file)
	case f.op == opNoListener:
		return ListenReusePort(ctx, a.Network, a.Addr)
	}
	if file != nil {
		file.Close()
	}
	return nil, fmt.Errorf("%w: op %d instead of a listener", errFrame, f.op)
}

// acceptWorker accepts until the listener is closed (nil) or fails.
func acceptWorker(ln net.Listener, s *csession, serve func(id uint64, c net.Conn)) error {
	var n uint64
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err == nil {
			n++
			delay = 0
			serve(n, c)
			continue
		}
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if !retryable(err) {
			ln.Close()
			return err
		}
		delay = min(max(2*delay, 5*time.Millisecond), time.Second)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-s.stop:
			t.Stop()
		}
	}
}

// serveReported serves a worker's connection, and tells the server's
// process of it when report is set.
func (s *csession) serveReported(ctx context.Context, h *Handler, id uint64, c net.Conn, report bool) {
	if report {
		s.send(frame{op: opAccepted, id: id, data: []byte(c.RemoteAddr().String())})
	}
	err := s.serveConn(ctx, h, id, c)
	if report {
		var msg []byte
		if err != nil {
			msg = []byte(err.Error())
			msg = msg[:min(len(msg), maxMessage)]
		}
		s.send(frame{op: opClosed, id: id, data: msg})
	}
}
