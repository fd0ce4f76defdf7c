package mproc

import (
	"context"
	"sync"
)

// Wait waits until at least one of conns has a message to receive (or has
// reached its end) and returns those that have, in the order given
// (CPython's multiprocessing.connection.wait). With a ctx that is already
// done it only looks; when ctx ends with none ready it returns none and
// ctx's error (see "Deadlines" in the package doc).
func Wait(ctx context.Context, conns ...*Conn) ([]*Conn, error) {
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
func noneReady(ctx context.Context, ready []*Conn) error {
	if len(ready) > 0 {
		return nil
	}
	return ctx.Err()
}

// readyConns lists the conns that have something to receive now.
func readyConns(conns []*Conn) []*Conn {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	var out []*Conn
	for _, c := range conns {
		if ok, err := c.Poll(done); ok && err == nil {
			out = append(out, c)
		}
	}
	return out
}
