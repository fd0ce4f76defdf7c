package server

import (
	"context"
	"fmt"
	"net"
	"sync"

	"mproc"
)

// connArg is what a child serving one connection is given: where the
// broker is, the key that opens it, and which connection to ask for.
type connArg struct {
	Broker string
	Key    []byte
	ID     uint64
}

// processRunner serves each connection in a child process of its own.
type processRunner struct {
	r      *run
	spares bool // this run turned warm spares on

	// starting bounds the children's starts: the cut ends it, so that
	// connections still waiting for a child when the grace is over get
	// none, rather than each a start of its own after the end.
	starting   context.Context
	stopStarts context.CancelFunc

	mu    sync.Mutex
	procs map[*mproc.Proc[mproc.None]]struct{}
}

func (p *processRunner) open(context.Context) error {
	if n := p.r.cfg.spares; n > 0 {
		mproc.WarmSpares(n)
		p.spares = true
	}
	p.procs = map[*mproc.Proc[mproc.None]]struct{}{}
	p.starting, p.stopStarts = context.WithCancel(p.r.base)
	return nil
}

func (p *processRunner) serve() error {
	return p.r.acceptLoop(func(c net.Conn) {
		if t := p.r.track(c); t != nil {
			go p.start(t)
		}
	})
}

// start runs a child for t and waits for it; the connection closes here
// when the child is gone, however it ended.
func (p *processRunner) start(t *tracked) {
	r := p.r
	arg := connArg{Broker: r.br.addr, Key: r.br.key, ID: t.id}
	proc, err := r.h.conn.Start(p.starting, arg, mproc.WithDaemon(true), mproc.WithName(fmt.Sprintf("%s-conn-%d", r.h.name, t.id)))
	if err != nil {
		r.finish(t, err)
		return
	}
	p.mu.Lock()
	p.procs[proc] = struct{}{}
	p.mu.Unlock()
	_, err = proc.Wait(r.base)
	p.mu.Lock()
	delete(p.procs, proc)
	p.mu.Unlock()
	proc.Close()
	r.finish(t, err)
}

func (p *processRunner) stop()                    {}
func (p *processRunner) drained() <-chan struct{} { return p.r.idle }
func (p *processRunner) cut() {
	p.stopStarts()
	p.r.cutConns()
}

func (p *processRunner) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for proc := range p.procs {
		proc.Kill()
	}
}

func (p *processRunner) close() {
	p.stopStarts()
	if p.spares {
		mproc.WarmSpares(0)
	}
}
