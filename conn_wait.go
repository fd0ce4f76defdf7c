package mproc

import (
	"context"
	"sync"
)

// Wait waits until at least one of conns has a message to receive (or has
// reached its end) and returns those that have, in the order given
// (CPython's multiprocessing.connection.wait). With a ctx that is already
// done it only looks; when ctx ends with none ready it returns none and no
// error.
func Wait(ctx context.Context, conns ...*Conn) ([]*Conn, error) {
	if r := readyConns(conns); len(r) > 0 || ctx.Err() != nil {
		return r, nil
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
	return readyConns(conns), nil
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
