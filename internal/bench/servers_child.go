package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"mproc"
)

// serverArg tells a child which Go server to run, and is its line to the
// parent: the child sends its address, the parent later says stop.
type serverArg struct {
	Name string
	Ctl  *mproc.Conn
}

var echoChild = mproc.Register[serverArg, mproc.None]("bench.echo_server", runChildServer)

// runChildServer listens on a loopback port, sends its address, and serves
// until the parent says stop (or goes away).
func runChildServer(ctx context.Context, a serverArg) (mproc.None, error) {
	defer a.Ctl.Close()
	serve, ok := childServers[a.Name]
	if !ok {
		return mproc.None{}, fmt.Errorf("no Go server %q", a.Name)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return mproc.None{}, err
	}
	defer ln.Close()
	if err := a.Ctl.Send(ctx, ln.Addr().String()); err != nil {
		return mproc.None{}, err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- serve(sctx, ln) }()
	var stop string
	go func() {
		a.Ctl.Recv(ctx, &stop) // "stop", or the parent's end closed
		cancel()
	}()
	if err := <-done; err != nil && sctx.Err() == nil {
		return mproc.None{}, err
	}
	return mproc.None{}, nil
}

// childStopTimeout bounds how long a child server may take to stop before
// it is terminated.
const childStopTimeout = 5 * time.Second

// childServer starts the named Go server in a child process.
func childServer(name string) func(ctx context.Context) (*runningServer, error) {
	return func(ctx context.Context) (*runningServer, error) {
		mine, theirs, err := mproc.Pipe(true)
		if err != nil {
			return nil, err
		}
		p, err := echoChild.Start(ctx, serverArg{Name: name, Ctl: theirs}, mproc.WithName("bench-"+name))
		theirs.Close()
		if err != nil {
			mine.Close()
			return nil, err
		}
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		var addr string
		if err := mine.Recv(rctx, &addr); err != nil {
			mine.Close()
			p.Kill()
			p.Wait(context.Background())
			p.Close()
			return nil, fmt.Errorf("%s did not say its address: %w", name, err)
		}
		if err := awaitEcho(rctx, addr); err != nil {
			mine.Close()
			p.Kill()
			p.Wait(context.Background())
			p.Close()
			return nil, fmt.Errorf("%s does not answer: %w", name, err)
		}
		stop := func() error {
			defer p.Close()
			sctx, cancel := context.WithTimeout(context.Background(), childStopTimeout)
			defer cancel()
			mine.Send(sctx, "stop")
			mine.Close()
			_, err := p.Wait(sctx)
			if sctx.Err() != nil {
				p.Terminate()
				p.Join(context.Background())
				return fmt.Errorf("%s did not stop within %v: terminated", name, childStopTimeout)
			}
			return err
		}
		return &runningServer{addr: addr, pid: p.Pid(), stop: stop}, nil
	}
}

// awaitEcho waits until the server at addr answers one echo: a server
// whose workers are still starting (a pool, prefork) is measured serving,
// not starting.
func awaitEcho(ctx context.Context, addr string) error {
	var d net.Dialer
	for {
		err := echoOnce(ctx, &d, addr)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-time.After(5 * time.Millisecond): // a retry's pace, not a wait for an event
		}
	}
}

func echoOnce(ctx context.Context, d *net.Dialer, addr string) error {
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	if _, err := c.Write([]byte("ready?")); err != nil {
		return err
	}
	got := make([]byte, 6)
	if _, err := io.ReadFull(c, got); err != nil {
		return err
	}
	if string(got) != "READY?" {
		return fmt.Errorf("the probe came back as %q", got)
	}
	return nil
}

// serveBare is the limit: the plainest Go echo server, a goroutine per
// connection copying through a 1 KiB buffer, upper-cased, as the CPython
// servers do with recv(1024).
func serveBare(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
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
			continue
		}
		go talk(conn)
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
		upperASCII(buf[:n])
		if _, err := conn.Write(buf[:n]); err != nil {
			return
		}
	}
}

func upperASCII(p []byte) {
	for i, b := range p {
		if 'a' <= b && b <= 'z' {
			p[i] = b - ('a' - 'A')
		}
	}
}
