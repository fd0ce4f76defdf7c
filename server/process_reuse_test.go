//go:build unix

package server_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"mproc/internal/testmain"
	"mproc/server"
)

// These tests are not parallel: NoChildLeft counts this process's
// children, which other tests' servers would add to.

// closeAndWait closes c and waits until the server has seen its end.
func closeAndWait(t *testing.T, ctx context.Context, srv *running, c *client) {
	t.Helper()
	local := c.local()
	c.c.Close()
	srv.rec.wait(t, ctx, "the close of "+local, connEvent(server.EventClosed, local))
}

// stopServer shuts srv down and checks Serve's answer.
func stopServer(t *testing.T, ctx context.Context, srv *running) {
	t.Helper()
	if shut, serve := srv.stop(t, ctx); shut != nil || !errors.Is(serve, server.ErrServerClosed) {
		t.Errorf("Shutdown: %v, Serve: %v", shut, serve)
	}
}

// A Process child whose connection ended serves the next one: two
// connections one after the other, one pid.
func TestProcessReusesChild(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	srv := start(t, pidHandler, server.Process())
	c1 := dial(t, ctx, srv.addr)
	p1 := c1.pidOf()
	closeAndWait(t, ctx, srv, c1)
	c2 := dial(t, ctx, srv.addr)
	if p2 := c2.pidOf(); p2 != p1 {
		t.Errorf("the second connection was served by pid %d, not by the idle child %d", p2, p1)
	}
	// Still a process per connection while they last.
	c3 := dial(t, ctx, srv.addr)
	if p3 := c3.pidOf(); p3 == p1 {
		t.Errorf("two connections at once served by one pid %d", p3)
	}
	if n := srv.rec.count(func(e server.Event) bool { return e.Kind == server.EventWorkerStarted }); n != 2 {
		t.Errorf("%d children started for 3 connections, 2 at once; want 2", n)
	}
	closeAndWait(t, ctx, srv, c2)
	closeAndWait(t, ctx, srv, c3)
	stopServer(t, ctx, srv)
}

// With WithFreshChildren each connection has a new process, which ends
// with it.
func TestProcessFreshChildren(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	srv := start(t, pidHandler, server.Process(), server.WithFreshChildren())
	c1 := dial(t, ctx, srv.addr)
	p1 := c1.pidOf()
	closeAndWait(t, ctx, srv, c1)
	srv.rec.wait(t, ctx, "the first child's end", func(e server.Event) bool {
		return e.Kind == server.EventWorkerExited && e.Pid == p1
	})
	c2 := dial(t, ctx, srv.addr)
	if p2 := c2.pidOf(); p2 == p1 {
		t.Errorf("both connections served by pid %d with fresh children", p1)
	}
	closeAndWait(t, ctx, srv, c2)
	stopServer(t, ctx, srv)
}

// An idle child that dies is not given the next connection: a new child
// serves it.
func TestProcessReusedChildKilled(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	srv := start(t, pidHandler, server.Process())
	c1 := dial(t, ctx, srv.addr)
	p1 := c1.pidOf()
	closeAndWait(t, ctx, srv, c1)
	if err := syscall.Kill(p1, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	e := srv.rec.wait(t, ctx, "the killed child's end", func(e server.Event) bool {
		return e.Kind == server.EventWorkerExited && e.Pid == p1
	})
	if e.Err == nil {
		t.Error("the killed child's end has no error")
	}
	c2 := dial(t, ctx, srv.addr)
	p2 := c2.pidOf()
	if p2 == p1 {
		t.Fatalf("served by the killed pid %d", p1)
	}
	// And the new child is reused in its turn.
	closeAndWait(t, ctx, srv, c2)
	c3 := dial(t, ctx, srv.addr)
	if p3 := c3.pidOf(); p3 != p2 {
		t.Errorf("the third connection was served by pid %d, not by the idle child %d", p3, p2)
	}
	closeAndWait(t, ctx, srv, c3)
	stopServer(t, ctx, srv)
}

// A reused child's connections are each their own: the handler's context
// of the first has ended when the second is served, and a connection cut
// by the server does not cost the child the next one.
func TestProcessReuseAfterHandlerError(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	srv := start(t, pidHandler, server.Process(), server.WithSpares(1))
	c1 := dial(t, ctx, srv.addr)
	p1 := c1.pidOf()
	// A line longer than the scanner takes: the handler returns an error.
	c1.send(string(make([]byte, 70<<10)))
	if !c1.ended() {
		t.Fatal("the connection did not end after the handler failed")
	}
	e := srv.rec.wait(t, ctx, "the failed close", connEvent(server.EventClosed, c1.local()))
	if e.Err == nil {
		t.Error("the handler's error did not reach the event")
	}
	c2 := dial(t, ctx, srv.addr)
	if p2 := c2.pidOf(); p2 != p1 {
		t.Errorf("after a handler's error the next connection went to pid %d, not the idle %d", p2, p1)
	}
	closeAndWait(t, ctx, srv, c2)
	stopServer(t, ctx, srv)
}

// Children beyond WithSpares's count end once they have been idle a
// while; the rest stay and serve the next connections.
func TestProcessIdleCap(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	srv := start(t, pidHandler, server.Process(), server.WithSpares(1))
	cs := []*client{dial(t, ctx, srv.addr), dial(t, ctx, srv.addr), dial(t, ctx, srv.addr)}
	pids := map[int]bool{}
	for _, c := range cs {
		pids[c.pidOf()] = true
	}
	if len(pids) != 3 {
		t.Fatalf("3 connections at once served by %d pids", len(pids))
	}
	for _, c := range cs {
		closeAndWait(t, ctx, srv, c)
	}
	exited := func(e server.Event) bool { return e.Kind == server.EventWorkerExited && pids[e.Pid] }
	srv.rec.wait(t, ctx, "2 idle children beyond the cap of 1 ending", func(server.Event) bool {
		return srv.rec.countLocked(exited) >= 2
	})
	c := dial(t, ctx, srv.addr)
	p := c.pidOf()
	if !pids[p] {
		t.Errorf("served by a new pid %d: the child kept idle was not reused", p)
	}
	for _, e := range srv.rec.all() {
		if exited(e) && e.Pid == p {
			t.Errorf("served by pid %d, which ended", p)
		}
	}
	if n := srv.rec.count(exited); n != 2 {
		t.Errorf("%d of the 3 children ended; want 2", n)
	}
	closeAndWait(t, ctx, srv, c)
	stopServer(t, ctx, srv)
}
