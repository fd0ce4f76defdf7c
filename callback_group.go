package mproc

import (
	"context"
	"sync"
)

// callbackGroup counts an executor's OnDone callbacks that are running,
// for its Join and Shutdown to wait for. Unlike a sync.WaitGroup, its
// count may go up from zero while someone waits: OnDone on a future that
// is done already starts a callback at once, during a Join too (with a
// WaitGroup, that Add raced the Wait).
type callbackGroup struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n drops back to 0; nil while it is 0
}

func (g *callbackGroup) add() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n == 0 {
		g.idle = make(chan struct{})
	}
	g.n++
}

func (g *callbackGroup) done() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n--; g.n == 0 {
		close(g.idle)
		g.idle = nil
	}
}

// wait waits, as long as ctx allows, until no callback runs.
func (g *callbackGroup) wait(ctx context.Context) error {
	g.mu.Lock()
	idle := g.idle
	g.mu.Unlock()
	if idle == nil {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
