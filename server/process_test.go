//go:build unix

package server_test

import (
	"errors"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"mproc"
	"mproc/server"
)

// The process models serve in other processes: the handler's os.Getpid
// is not this one's, and the events name the same pids.
func TestProcessModelsUseOtherPids(t *testing.T) {
	t.Parallel()
	for _, m := range []server.Model{server.Process(), server.ProcessPool(2), server.Prefork(2)} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			ctx := ctxTimeout(t, 30*time.Second)
			srv := start(t, pidHandler, m)
			var pids []int
			for range 2 {
				c := dial(t, ctx, srv.addr)
				pid := c.pidOf()
				if pid == os.Getpid() {
					t.Fatalf("served by this process (pid %d)", pid)
				}
				e := srv.rec.wait(t, ctx, "served", connEvent(server.EventServed, c.local()))
				if e.Pid != pid {
					t.Errorf("event says pid %d served %s, the handler says %d", e.Pid, c.local(), pid)
				}
				pids = append(pids, pid)
			}
			if m.String() != "prefork(2)" && pids[0] == pids[1] {
				t.Errorf("two clients at once served by one pid %d", pids[0])
			}
		})
	}
}

// The seeds' Pool(4): with n workers busy, client n+1 is accepted but
// gets no answer until one of the first n leaves; then it takes that
// worker (the same pid, for a process pool).
func TestPoolClientNPlusOneWaits(t *testing.T) {
	t.Parallel()
	for _, m := range []server.Model{server.ProcessPool(2), server.GoroutinePool(2)} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			ctx := ctxTimeout(t, 30*time.Second)
			srv := start(t, pidHandler, m)
			c1, c2 := dial(t, ctx, srv.addr), dial(t, ctx, srv.addr)
			p1, p2 := c1.pidOf(), c2.pidOf()
			c3 := dial(t, ctx, srv.addr)
			c3.send("who\n")
			if m.String() == "process-pool(2)" {
				// The server accepted it and holds it for a worker.
				srv.rec.wait(t, ctx, "client 3 accepted", connEvent(server.EventAccepted, c3.local()))
				if p1 == p2 {
					t.Fatalf("two clients at once served by one pid %d", p1)
				}
			}
			if !c3.silent(300 * time.Millisecond) {
				t.Fatal("client 3 was answered while both workers were busy")
			}
			if n := srv.rec.count(connEvent(server.EventServed, c3.local())); n != 0 {
				t.Fatalf("client 3 served while both workers were busy: %v", srv.rec.all())
			}
			c1.c.Close()
			got := c3.line()
			want := "pid " + itoa(p1) + ": who"
			if got != want {
				t.Errorf("client 3 got %q, want %q (the worker client 1 left)", got, want)
			}
			if c2.ask("still") != "pid "+itoa(p2)+": still" {
				t.Error("client 2 lost its worker")
			}
		})
	}
}

// A worker killed in the middle of a connection: its client is cut off,
// the others go on, and the server keeps serving with a new worker.
func TestKilledWorker(t *testing.T) {
	t.Parallel()
	for _, m := range []server.Model{server.ProcessPool(2), server.Process()} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			ctx := ctxTimeout(t, 30*time.Second)
			srv := start(t, pidHandler, m)
			c1, c2 := dial(t, ctx, srv.addr), dial(t, ctx, srv.addr)
			p1, p2 := c1.pidOf(), c2.pidOf()
			if err := syscall.Kill(p1, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			if !c1.ended() {
				t.Fatal("the killed worker's client was not cut off")
			}
			e := srv.rec.wait(t, ctx, "client 1 closed", connEvent(server.EventClosed, c1.local()))
			var lost *mproc.WorkerLostError
			var exit *mproc.ExitError
			if !errors.As(e.Err, &lost) && !errors.As(e.Err, &exit) {
				t.Errorf("client 1's close says %v, want a lost worker", e.Err)
			}
			if got := c2.ask("after"); got != "pid "+itoa(p2)+": after" {
				t.Errorf("client 2 got %q", got)
			}
			// Client 2 still holds its worker: only a replacement can serve client 3.
			c3 := dial(t, ctx, srv.addr)
			p3 := c3.pidOf()
			if p3 == p1 || p3 == p2 {
				t.Errorf("client 3 served by pid %d; the killed one was %d, the busy one %d", p3, p1, p2)
			}
		})
	}
}

// A prefork worker killed: its clients are cut off, a client of the other
// worker goes on, and a replacement starts.
func TestKilledPreforkWorker(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	ln, err := server.ListenReusePort(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := startOn(t, ln, pidHandler, server.Prefork(2), server.WithReusePort())
	srv.rec.wait(t, ctx, "two workers", func(server.Event) bool { return srv.rec.countLocked(kind(server.EventWorkerStarted)) == 2 })
	// The kernel spreads connections over the workers' listeners by their
	// addresses: connect until both workers serve one.
	byPid := map[int]*client{}
	for i := 0; len(byPid) < 2; i++ {
		if i == 64 {
			t.Fatalf("64 connections all went to pids %v", keys(byPid))
		}
		c := dial(t, ctx, srv.addr)
		pid := c.pidOf()
		if byPid[pid] == nil {
			byPid[pid] = c
		} else {
			c.c.Close()
		}
	}
	pids := keys(byPid)
	victim, other := pids[0], pids[1]
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !byPid[victim].ended() {
		t.Fatal("the killed worker's client was not cut off")
	}
	if got := byPid[other].ask("after"); got != "pid "+itoa(other)+": after" {
		t.Errorf("the other worker's client got %q", got)
	}
	e := srv.rec.wait(t, ctx, "a replacement worker", func(e server.Event) bool {
		return e.Kind == server.EventWorkerStarted && e.Pid != victim && e.Pid != other
	})
	srv.rec.wait(t, ctx, "the victim's exit", func(e server.Event) bool {
		return e.Kind == server.EventWorkerExited && e.Pid == victim && e.Err != nil
	})
	// New clients reach the workers alive: the replacement among them.
	seen := map[int]bool{}
	for i := 0; !seen[e.Pid]; i++ {
		if i == 64 {
			t.Fatalf("64 connections never reached the replacement pid %d (got %v)", e.Pid, seen)
		}
		c := dial(t, ctx, srv.addr)
		pid := c.pidOf()
		if pid == victim {
			t.Fatalf("served by the killed pid %d", pid)
		}
		seen[pid] = true
		c.c.Close()
	}
}

func keys(m map[int]*client) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
