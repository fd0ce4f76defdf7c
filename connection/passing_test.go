package connection_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mproc/internal/testmain"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"mproc"
	"mproc/connection"
)

// echoChild answers each message on c with it and the child's pid, until
// EOF.
var echoChild = mproc.Register[*mproc.Conn, int]("test.conn.echo", echo)

func echo(ctx context.Context, c *mproc.Conn) (int, error) {
	defer c.Close()
	n := 0
	for {
		var m string
		if err := c.Recv(ctx, &m); err != nil {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
		if err := c.Send(ctx, fmt.Sprintf("%s from %d", m, os.Getpid())); err != nil {
			return n, err
		}
		n++
	}
}

// queuedEcho takes an end from a queue, then echoes on it.
var queuedEcho = mproc.Register[*mproc.Queue[*mproc.Conn], int]("test.conn.queued", func(ctx context.Context, q *mproc.Queue[*mproc.Conn]) (int, error) {
	c, err := q.Get(ctx)
	if err != nil {
		return 0, err
	}
	return echo(ctx, c)
})

// An end that Accept returned, over Unix (abstract and path), TCP, and in
// Python mode, passed to a child as its argument, or through a Queue: the
// child talks with the dialer through it, and the dialer sees EOF once the
// child is done and this process has closed its copy.
func TestAcceptedEndToChild(t *testing.T) {
	testmain.NoChildLeft(t)
	for _, tc := range []struct {
		name, network string
		opts          []connection.Option
		queue         bool
	}{
		{"unix", "unix", nil, false},
		{"unix/queue", "unix", nil, true},
		{"tcp", "tcp", []connection.Option{connection.WithAuthKey([]byte("k"))}, false},
		{"tcp/queue", "tcp", nil, true},
		{"tcp/python", "tcp", []connection.Option{connection.WithPython()}, false},
		{"unix/python", "unix", []connection.Option{connection.WithPython(), connection.WithAuthKey([]byte("k"))}, false},
	} {
		parallel(t, tc.name, func(t *testing.T) {
			ctx := ctxTimeout(t, 30*time.Second)
			l := listen(t, tc.network, tc.opts...)
			s, c := connected(t, ctx, l, tc.opts...)
			var p *mproc.Proc[int]
			if tc.queue {
				q, err := mproc.NewQueue[*mproc.Conn](1)
				if err != nil {
					t.Fatal(err)
				}
				defer q.Close()
				if err := q.Put(ctx, s); err != nil {
					t.Fatal(err)
				}
				p = testmain.StartChild(t, ctx, queuedEcho, q)
			} else {
				p = testmain.StartChild(t, ctx, echoChild, s)
			}
			s.Close() // the child holds the connection now
			for i := range 3 {
				if err := c.Send(ctx, fmt.Sprint("hi ", i)); err != nil {
					t.Fatal(err)
				}
				var r string
				if err := c.Recv(ctx, &r); err != nil || r != fmt.Sprintf("hi %d from %d", i, p.Pid()) {
					t.Fatalf("reply %d: %q, %v (child %d)", i, r, err, p.Pid())
				}
			}
			c.Close()
			if n := waitOK(t, ctx, p); n != 3 {
				t.Fatalf("the child answered %d messages", n)
			}
		})
	}
}

// A dialled end goes to a child too, and EOF reaches it when the listener
// side closes.
func TestDialledEndToChild(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	l := listen(t, "tcp")
	s, c := connected(t, ctx, l)
	p := testmain.StartChild(t, ctx, echoChild, c)
	c.Close()
	if err := s.Send(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	var r string
	if err := s.Recv(ctx, &r); err != nil || r != fmt.Sprintf("x from %d", p.Pid()) {
		t.Fatalf("%q, %v", r, err)
	}
	s.Close()
	if n := waitOK(t, ctx, p); n != 1 {
		t.Fatalf("the child answered %d messages", n)
	}
}

// NewListener over a listening socket this process inherited as a bare
// descriptor (as from systemd's socket activation): made with system
// calls, turned into a net.Listener by net.FileListener.
func TestInheritedListener(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	syscall.ForkLock.RLock() // close-on-exec before any child starts (macOS has no SOCK_CLOEXEC)
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 16); err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "inherited")
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	key := connection.WithAuthKey([]byte("inherited key"))
	l := connection.NewListener(ln, key)
	defer l.Close()
	s, c := connected(t, ctx, l, key)
	if err := c.Send(ctx, []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	var v []string
	if err := s.Recv(ctx, &v); err != nil || len(v) != 2 || v[1] != "b" {
		t.Fatalf("%v, %v", v, err)
	}
	ch := acceptAsync(ctx, l)
	if _, err := connection.Dial(ctx, "tcp", l.Addr().String(), connection.WithAuthKey([]byte("wrong"))); !errors.Is(err, mproc.ErrAuthentication) {
		t.Fatalf("a wrong key to the inherited listener: %v", err)
	}
	if a := <-ch; !errors.Is(a.err, mproc.ErrAuthentication) {
		if a.c != nil {
			a.c.Close()
		}
		t.Fatalf("Accept of the wrong key: %v", a.err)
	}
}
