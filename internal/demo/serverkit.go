package demo

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"mproc/server"
)

// The server demos' tools: a server on 127.0.0.1:0 that records its
// events, and clients that say a line and read one.

// liveServer is a server serving in the background.
type liveServer struct {
	addr string
	srv  *server.Server
	done chan error

	stopOnce sync.Once
	stopErr  error

	mu      sync.Mutex
	events  []server.Event
	changed chan struct{}
}

func startServer(h *server.Handler, m server.Model) (*liveServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &liveServer{addr: ln.Addr().String(), done: make(chan error, 1), changed: make(chan struct{})}
	s.srv = server.New(h, m, server.WithEvents(s.observe))
	go func() { s.done <- s.srv.Serve(context.Background(), ln) }()
	return s, nil
}

func (s *liveServer) observe(e server.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, e)
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitEvent waits for an event of kind k about the client at remote.
func (s *liveServer) waitEvent(ctx context.Context, k server.EventKind, remote string) (server.Event, error) {
	for {
		s.mu.Lock()
		for _, e := range s.events {
			if e.Kind == k && e.Remote == remote {
				s.mu.Unlock()
				return e, nil
			}
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return server.Event{}, fmt.Errorf("no %s event for %s: %w", k, remote, ctx.Err())
		}
	}
}

// has says whether an event of kind k about remote came.
func (s *liveServer) has(k server.EventKind, remote string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.events {
		if e.Kind == k && e.Remote == remote {
			return true
		}
	}
	return false
}

// stop shuts the server down and returns once its processes are reaped.
// Connections still open have a second; a second call returns the first's
// result.
func (s *liveServer) stop() error {
	s.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		s.srv.Shutdown(ctx)
		if err := <-s.done; err != server.ErrServerClosed {
			s.stopErr = err
		}
	})
	return s.stopErr
}

// tcpClient is one of the seeds' clients: client.send(msg), client.recv(1024).
type tcpClient struct {
	c net.Conn
	r *bufio.Reader
}

func dialServer(ctx context.Context, addr string) (*tcpClient, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	return &tcpClient{c: c, r: bufio.NewReader(c)}, nil
}

func (c *tcpClient) local() string { return c.c.LocalAddr().String() }

func (c *tcpClient) send(msg string) error {
	_, err := c.c.Write([]byte(msg + "\n"))
	return err
}

func (c *tcpClient) recv() (string, error) {
	s, err := c.r.ReadString('\n')
	return strings.TrimSuffix(s, "\n"), err
}

// quietFor reports whether nothing arrives for d: a read deadline, not a
// sleep, bounds the wait.
func (c *tcpClient) quietFor(d time.Duration) bool {
	old := time.Time{}
	c.c.SetReadDeadline(time.Now().Add(d))
	_, err := c.r.Peek(1)
	c.c.SetReadDeadline(old)
	var ne net.Error
	if ne2, ok := err.(net.Error); ok {
		ne = ne2
	}
	return ne != nil && ne.Timeout()
}

func (c *tcpClient) close() { c.c.Close() }
