package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"mproc"
	"mproc/internal/echoserve"
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
	serve, ok := echoserve.Lookup(a.Name)
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

// childServer starts the named Go server in a process of its own: the
// echoserve program if the group built it (see withEchoProgram), else a
// child of this binary.
func childServer(name string) func(ctx context.Context) (*runningServer, error) {
	return func(ctx context.Context) (*runningServer, error) {
		if bin, ok := ctx.Value(echoProgramKey{}).(string); ok {
			return startEchoProgram(ctx, bin, name)
		}
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
