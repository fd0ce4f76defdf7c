package server

import (
	"context"
	"net"
	"sync"
)

// goroutineRunner serves each connection on a goroutine of its own.
type goroutineRunner struct {
	r *run
}

func (g *goroutineRunner) open(context.Context) error { return nil }

func (g *goroutineRunner) serve() error {
	return g.r.acceptLoop(func(c net.Conn) {
		if t := g.r.track(c); t != nil {
			go g.r.serveHere(t)
		}
	})
}

func (g *goroutineRunner) stop()                    {}
func (g *goroutineRunner) drained() <-chan struct{} { return g.r.idle }
func (g *goroutineRunner) cut()                     { g.r.cutConns() }
func (g *goroutineRunner) kill()                    {}
func (g *goroutineRunner) close()                   {}

// goroutinePoolRunner serves connections on n goroutines, each accepting
// the next connection once it is done with one: client n+1 waits in the
// listener's backlog.
type goroutinePoolRunner struct {
	r *run
	n int
}

func (g *goroutinePoolRunner) open(context.Context) error { return nil }

func (g *goroutinePoolRunner) serve() error {
	errs := make([]error, g.n)
	var wg sync.WaitGroup
	for i := range g.n {
		wg.Go(func() {
			errs[i] = g.r.acceptLoop(func(c net.Conn) {
				if t := g.r.track(c); t != nil {
					g.r.serveHere(t)
				}
			})
			if errs[i] != nil {
				g.r.requestStop(errs[i]) // the others' Accept fails too once the listener is closed
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (g *goroutinePoolRunner) stop()                    {}
func (g *goroutinePoolRunner) drained() <-chan struct{} { return g.r.idle }
func (g *goroutinePoolRunner) cut()                     { g.r.cutConns() }
func (g *goroutinePoolRunner) kill()                    {}
func (g *goroutinePoolRunner) close()                   {}
