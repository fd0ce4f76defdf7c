package server

import (
	"context"
	"net"
	"sync"
	"time"

	"mproc"
)

// processPoolRunner serves connections on a pool of n worker processes,
// one connection per worker at a time. It hands a connection to the pool
// only when a worker is free, so that none waits behind a long connection
// in a busy worker's queue; the others wait here, in order.
type processPoolRunner struct {
	r    *run
	n    int
	pool *mproc.Pool

	mu      sync.Mutex
	free    int
	waiting []*tracked
}

// poolCloseWait bounds how long the pool's workers have to end after the
// last connection; then the pool is terminated.
const poolCloseWait = 5 * time.Second

func (p *processPoolRunner) open(ctx context.Context) error {
	pool, err := mproc.NewPool(ctx, mproc.WithWorkers(p.n))
	if err != nil {
		return err
	}
	p.pool = pool
	return nil
}

func (p *processPoolRunner) serve() error {
	return p.r.acceptLoop(func(c net.Conn) {
		if t := p.r.track(c); t != nil {
			p.enqueue(t)
		}
	})
}

func (p *processPoolRunner) enqueue(t *tracked) {
	p.mu.Lock()
	if p.free == 0 {
		p.waiting = append(p.waiting, t)
		p.mu.Unlock()
		return
	}
	p.free--
	p.mu.Unlock()
	p.submit(t)
}

// submit gives t to the pool; when its task ends, so does the connection,
// and the next one waiting takes the worker.
func (p *processPoolRunner) submit(t *tracked) {
	r := p.r
	fut := r.h.conn.Submit(r.base, p.pool, connArg{Broker: r.br.addr, Key: r.br.key, ID: t.id})
	t.mu.Lock()
	t.abort = func() { fut.Cancel() }
	isCut := t.isCut
	t.mu.Unlock()
	if isCut {
		fut.Cancel()
	}
	fut.OnDone(func(f *mproc.Future[mproc.None]) {
		_, err, _ := f.Result()
		r.finish(t, err)
		p.release()
	})
}

// release gives a freed worker to the next connection waiting.
func (p *processPoolRunner) release() {
	p.mu.Lock()
	if len(p.waiting) == 0 {
		p.free++
		p.mu.Unlock()
		return
	}
	t := p.waiting[0]
	p.waiting = p.waiting[1:]
	p.mu.Unlock()
	p.submit(t)
}

func (p *processPoolRunner) stop()                    {}
func (p *processPoolRunner) drained() <-chan struct{} { return p.r.idle }

// cut cuts the connections being served; those still waiting end here.
func (p *processPoolRunner) cut() {
	p.mu.Lock()
	waiting := p.waiting
	p.waiting = nil
	p.mu.Unlock()
	for _, t := range waiting {
		t.cut()
		p.r.finish(t, ErrCut)
	}
	p.r.cutConns()
}

func (p *processPoolRunner) kill() { p.pool.Terminate() }

func (p *processPoolRunner) close() {
	p.pool.Close()
	ctx, cancel := context.WithTimeout(context.Background(), poolCloseWait)
	defer cancel()
	if p.pool.Join(ctx) != nil {
		p.pool.Terminate()
	}
}
