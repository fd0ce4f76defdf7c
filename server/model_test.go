package server_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"mproc/server"
)

func TestParseModel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		n    int
		want string
	}{
		{"goroutine", 9, "goroutine"},
		{"goroutine-pool", 50, "goroutine-pool(50)"},
		{"process", 0, "process"},
		{"process-pool", 4, "process-pool(4)"},
		{"prefork", 2, "prefork(2)"},
	} {
		m, err := server.ParseModel(tc.name, tc.n)
		if err != nil || m.String() != tc.want {
			t.Errorf("ParseModel(%q, %d) = %v, %v; want %s", tc.name, tc.n, m, err, tc.want)
		}
	}
	if _, err := server.ParseModel("threads", 1); err == nil {
		t.Error("an unknown model parsed")
	}
	if _, err := server.ParseModel("process-pool", 0); err == nil {
		t.Error("a pool of no workers parsed")
	}
	if got := (server.Model{}).String(); got != "goroutine" {
		t.Errorf("the zero Model is %s", got)
	}
}

// Serve refuses what it can't run, with an error that says why, and
// closes the listener.
func TestServeRefuses(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 10*time.Second)
	for _, tc := range []struct {
		m    server.Model
		opts []server.Option
		want string
	}{
		{server.ProcessPool(0), nil, "at least one worker"},
		{server.Prefork(1), []server.Option{server.WithReusePort()}, "SO_REUSEPORT"},
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		err = server.Serve(ctx, ln, server.Echo, tc.m, tc.opts...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error about %s", tc.m, err, tc.want)
		}
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			c.Close()
			t.Errorf("%s: the listener is still open", tc.m)
		}
	}
	if err := server.Serve(ctx, nil, server.Echo, server.Goroutine()); err == nil {
		t.Error("Serve with no listener")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Serve(ctx, ln, nil, server.Goroutine()); err == nil {
		t.Error("Serve with no handler")
	}
}

// WithReusePort: each prefork worker has a listener of its own, bound to
// the server's address, and all of them serve.
func TestPreforkReusePort(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	ln, err := server.ListenReusePort(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := startOn(t, ln, server.Echo, server.Prefork(3), server.WithReusePort())
	srv.rec.wait(t, ctx, "three workers", func(server.Event) bool { return srv.rec.countLocked(kind(server.EventWorkerStarted)) == 3 })
	for range 5 {
		c := dial(t, ctx, srv.addr)
		c.send("abc\n")
		if got := c.line(); got != "ABC" {
			t.Errorf("got %q", got)
		}
		c.c.Close()
	}
	if n := srv.rec.count(kind(server.EventWorkerStarted)); n != 3 {
		t.Errorf("%d workers started, want 3: %v", n, srv.rec.all())
	}
	// Prefork workers report their connections as they go: wait for the news.
	srv.rec.wait(t, ctx, "five connections served", func(server.Event) bool { return srv.rec.countLocked(kind(server.EventServed)) == 5 })
}
