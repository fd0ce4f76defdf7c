package connection

import (
	"context"
	"sync"

	"mproc"
)

// Wait waits until at least one of conns has a message to receive (or has
// reached its end) and returns those that have, in the order given
// (CPython's multiprocessing.connection.wait). Any ends will do: pipes,
// sockets, TLS. With a ctx that is already done it only looks; when ctx
// ends with none ready it returns none and ctx's error.
func Wait(ctx context.Context, conns ...*mproc.Conn) ([]*mproc.Conn, error) {
	if r := readyConns(conns); len(r) > 0 || ctx.Err() != nil {
		return r, noneReady(ctx, r)
	}
	sub, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			if ok, _ := c.Poll(sub); ok {
				cancel() // one is ready: stop the others
			}
		})
	}
	wg.Wait()
	cancel()
	r := readyConns(conns)
	return r, noneReady(ctx, r)
}

// noneReady is Wait's error: ctx's when it ended with nothing ready.
func noneReady(ctx context.Context, ready []*mproc.Conn) error {
	if len(ready) > 0 {
		return nil
	}
	return ctx.Err()
}

// readyConns lists the conns that have something to receive now.
func readyConns(conns []*mproc.Conn) []*mproc.Conn {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	var out []*mproc.Conn
	for _, c := range conns {
		if ok, err := c.Poll(done); ok && err == nil {
			out = append(out, c)
		}
	}
	return out
}
