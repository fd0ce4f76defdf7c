package server_test

import (
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"testing"
	"time"

	"mproc"
	"mproc/internal/spawn"
	"mproc/server"
)

// Shutdown lets a connection in flight finish: it answers during the
// grace period, Shutdown waits for it, and returns nil once it ends.
func TestShutdownLetsConnectionsFinish(t *testing.T) {
	t.Parallel()
	for _, m := range allModels {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			ctx := ctxTimeout(t, 30*time.Second)
			srv := start(t, pidHandler, m)
			c := dial(t, ctx, srv.addr)
			pid := c.pidOf()
			shut := make(chan error, 1)
			go func() { shut <- srv.srv.Shutdown(ctx) }()
			// Serve stops accepting: new connections are refused (or, for a
			// worker's listener not yet closed, closed unserved).
			waitRefused(t, ctx, srv.addr)
			if got := c.ask("during"); got != "pid "+itoa(pid)+": during" {
				t.Errorf("during the grace period: %q", got)
			}
			select {
			case err := <-shut:
				t.Fatalf("Shutdown returned %v with a connection in flight", err)
			default:
			}
			c.c.Close()
			if err := <-shut; err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			if err := <-srv.done; !errors.Is(err, server.ErrServerClosed) {
				t.Errorf("Serve: %v", err)
			}
			srv.done <- server.ErrServerClosed
			e := srv.rec.wait(t, ctx, "closed", connEvent(server.EventClosed, c.local()))
			if e.Err != nil {
				t.Errorf("closed with %v", e.Err)
			}
		})
	}
}

// waitRefused dials until the server no longer serves new connections.
func waitRefused(t *testing.T, ctx context.Context, addr string) {
	t.Helper()
	for {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			if ctx.Err() != nil {
				t.Fatal("the server still accepts")
			}
			return
		}
		// A connection the backlog of a closing listener took is reset
		// when that listener closes; one that is served answers.
		c.SetDeadline(time.Now().Add(time.Second))
		c.Write([]byte("who\n"))
		buf := make([]byte, 1)
		_, err = c.Read(buf)
		c.Close()
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				return
			}
		}
		if ctx.Err() != nil {
			t.Fatal("the server still serves new connections")
		}
	}
}

// When the grace period runs out, the connections left are cut: the
// client sees the end, the event says ErrCut, and Shutdown returns its
// ctx's error.
func TestShutdownCutsAfterGrace(t *testing.T) {
	t.Parallel()
	for _, m := range allModels {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			ctx := ctxTimeout(t, 30*time.Second)
			srv := start(t, pidHandler, m)
			c := dial(t, ctx, srv.addr)
			c.pidOf()
			sctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			defer cancel()
			begun := time.Now()
			shutErr, serveErr := srv.stop(t, sctx)
			if !errors.Is(shutErr, context.DeadlineExceeded) {
				t.Errorf("Shutdown: %v, want DeadlineExceeded", shutErr)
			}
			if !errors.Is(serveErr, server.ErrServerClosed) {
				t.Errorf("Serve: %v", serveErr)
			}
			if took := time.Since(begun); took > 10*time.Second {
				t.Errorf("shutdown took %v", took)
			}
			if !c.ended() {
				t.Error("the connection was not cut")
			}
			e := srv.rec.wait(t, ctx, "closed", connEvent(server.EventClosed, c.local()))
			if !errors.Is(e.Err, server.ErrCut) {
				t.Errorf("closed with %v, want ErrCut", e.Err)
			}
		})
	}
}

// The end of Serve's ctx stops it too: WithGrace sets the grace period,
// and Serve returns ctx's error.
func TestServeCtxEndsWithGrace(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- server.Serve(sctx, ln, pidHandler, server.ProcessPool(1), server.WithGrace(100*time.Millisecond), server.WithEvents(rec.observe))
	}()
	c := dial(t, ctx, ln.Addr().String())
	c.pidOf()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Serve: %v, want context.Canceled", err)
	}
	if !c.ended() {
		t.Error("the connection was not cut")
	}
	checkGone(t, rec.pids())
}

// A server whose Shutdown came first refuses to serve.
func TestServeAfterShutdown(t *testing.T) {
	t.Parallel()
	s := server.New(server.Echo, server.Goroutine())
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(context.Background(), ln); !errors.Is(err, server.ErrServerClosed) {
		t.Errorf("Serve after Shutdown: %v", err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("the listener is still open")
	}
}

// After Serve, no process it started is left, none is a zombie, and
// nothing was left in /dev/shm. It checks the whole process, so it does
// not run in parallel.
func TestNothingLeft(t *testing.T) {
	before := spawn.Children()
	shm := shmEntries(t)
	for _, m := range []server.Model{server.Process(), server.ProcessPool(2), server.Prefork(2)} {
		ctx := ctxTimeout(t, 30*time.Second)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- server.Serve(sctx, ln, Chat(), m, server.WithGrace(0)) }()
		for range 2 { // no more than a pool's workers: all are served
			c := dial(t, ctx, ln.Addr().String())
			c.line() // the welcome
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: Serve: %v", m, err)
		}
		if left := mproc.ActiveChildren(); len(left) > 0 {
			t.Errorf("%s: active children after Serve: %v", m, left)
		}
	}
	// Warm spares end when turned off, reaped by goroutines of mproc's: wait
	// for them, with a deadline.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var extra []int
		for _, pid := range spawn.Children() {
			if !slices.Contains(before, pid) {
				extra = append(extra, pid)
			}
		}
		if len(extra) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("children left: %v (zombies: %v)", extra, spawn.ZombieChildren())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if after := shmEntries(t); !slices.Equal(after, shm) {
		t.Errorf("/dev/shm was %v, is %v", shm, after)
	}
}

func shmEntries(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir("/dev/shm")
	if err != nil {
		t.Skipf("no /dev/shm: %v", err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// Chat returns the chat handler (a function, so tests read as calls).
func Chat() *server.Handler { return server.Chat }
