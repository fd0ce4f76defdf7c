// Package echoserve holds the Go echo servers that mproc's servers
// benchmark measures, and Main, the body of internal/bench/echoserve: a
// small program that runs one of them, built as a user's server would be
// (mproc, mproc/server and net, nothing else), so that a process per
// connection starts a child of that program rather than of the mproc
// command, which links everything the command does.
package echoserve

import (
	"context"
	"errors"
	"net"
	"slices"
	"time"

	"mproc/server"
)

// servers are the Go servers by the name the benchmark gives them.
var servers = map[string]func(ctx context.Context, ln net.Listener) error{
	"go_bare":              Bare,
	"go_bare4":             func(ctx context.Context, ln net.Listener) error { return BareN(ctx, ln, 4) },
	"mproc_goroutine":      model(server.Goroutine()),
	"mproc_goroutine_pool": model(server.GoroutinePool(50)),
	"mproc_process":        model(server.Process()),
	"mproc_process_pool":   model(server.ProcessPool(4)),
	"mproc_prefork":        model(server.Prefork(2)),
}

// Lookup returns the server called name.
func Lookup(name string) (func(ctx context.Context, ln net.Listener) error, bool) {
	s, ok := servers[name]
	return s, ok
}

// Names are the servers' names, sorted.
func Names() []string {
	var names []string
	for n := range servers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// model serves the seeds' echo in m until ctx ends; the pools are sized
// as CPython's counterparts are.
func model(m server.Model) func(ctx context.Context, ln net.Listener) error {
	return func(ctx context.Context, ln net.Listener) error {
		// The load has ended when the bench stops a server: what is
		// still in flight is clients the run left behind, not work.
		err := server.Serve(ctx, ln, server.Echo, m, server.WithGrace(300*time.Millisecond))
		if ctx.Err() != nil {
			return nil // stopped, as the bench meant
		}
		return err
	}
}

// Bare is the limit: the plainest Go echo server, a goroutine per
// connection copying through a 1 KiB buffer, upper-cased, as the CPython
// servers do with recv(1024).
func Bare(ctx context.Context, ln net.Listener) error { return BareN(ctx, ln, 0) }

// BareN is Bare serving at most n connections at a time (0: no limit): the
// others wait in the listener's backlog, as with a pool of n workers. It
// is what bounds such a pool: the round trips n clients keep in flight.
func BareN(ctx context.Context, ln net.Listener, n int) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var slots chan struct{}
	if n > 0 {
		slots = make(chan struct{}, n)
	}
	for {
		if slots != nil {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
		}
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, net.ErrClosed) {
				return err
			}
			// Out of descriptors, say: wait a moment as net/http does.
			time.Sleep(5 * time.Millisecond)
			if slots != nil {
				<-slots
			}
			continue
		}
		go func() {
			talk(conn)
			if slots != nil {
				<-slots
			}
		}()
	}
}

// talk echoes one connection upper-cased (ASCII, as Python's bytes.upper)
// until EOF.
func talk(conn net.Conn) {
	defer conn.Close()
	buf := make([]byte, 1024)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return
		}
		UpperASCII(buf[:n])
		if _, err := conn.Write(buf[:n]); err != nil {
			return
		}
	}
}

// UpperASCII upper-cases p's ASCII letters in place.
func UpperASCII(p []byte) {
	for i, b := range p {
		if 'a' <= b && b <= 'z' {
			p[i] = b - ('a' - 'A')
		}
	}
}
