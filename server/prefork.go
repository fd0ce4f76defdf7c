package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"mproc"
)

// preforkRunner keeps n worker processes accepting connections, and
// replaces those that die.
type preforkRunner struct {
	r     *run
	n     int
	reuse bool

	mu       sync.Mutex
	nextWID  uint64
	workers  map[uint64]*pworker
	stopping bool
	cutting  bool
	drainCh  chan struct{}
	watchers sync.WaitGroup
}

// pworker is a worker process, as the server's process sees it.
type pworker struct {
	id        uint64
	slot      int
	proc      *mproc.Proc[mproc.None]
	sess      *bsession
	started   time.Time
	ready     chan struct{}
	readyOnce sync.Once
	exited    chan struct{}
	open      map[uint64]reported // its connections in flight, by its own numbers
}

// reported is a worker's connection as it was reported.
type reported struct {
	id     uint64
	remote string
}

// respawnPause is the least time between two starts of a worker in one
// slot: a worker that can't run must not make the server fork in a loop.
const respawnPause = time.Second

func newPreforkRunner(r *run, n int) *preforkRunner {
	return &preforkRunner{r: r, n: n, reuse: r.cfg.reusePort, workers: map[uint64]*pworker{}, drainCh: make(chan struct{})}
}

func (p *preforkRunner) open(ctx context.Context) error {
	if err := withFD(p.r.ln, func(int) error { return nil }); err != nil {
		return err
	}
	if p.reuse && !hasReusePort(p.r.ln) {
		return errors.New("server: WithReusePort needs a listener with SO_REUSEPORT set: make it with server.ListenReusePort")
	}
	var started []*pworker
	var err error
	for slot := range p.n {
		var w *pworker
		if w, err = p.start(slot); err != nil {
			break
		}
		started = append(started, w)
	}
	for _, w := range started {
		if err != nil {
			break
		}
		select {
		case <-w.ready:
		case <-w.exited:
			err = fmt.Errorf("server: prefork worker %d ended as it started", w.slot)
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err != nil {
		p.stop()
		p.kill()
		p.watchers.Wait()
	}
	return err
}

// start starts a worker for slot.
func (p *preforkRunner) start(slot int) (*pworker, error) {
	r := p.r
	p.mu.Lock()
	p.nextWID++
	w := &pworker{id: p.nextWID, slot: slot, started: time.Now(), ready: make(chan struct{}), exited: make(chan struct{}), open: map[uint64]reported{}}
	p.workers[w.id] = w
	p.mu.Unlock()
	arg := workerArg{Broker: r.br.addr, Key: r.br.key, ID: w.id, Report: r.ev.active()}
	if p.reuse && slot != 0 {
		arg.Network, arg.Addr = r.ln.Addr().Network(), r.ln.Addr().String()
	}
	proc, err := r.h.worker.Start(r.base, arg, mproc.WithDaemon(true), mproc.WithName(fmt.Sprintf("%s-prefork-%d", r.h.name, slot)))
	if err != nil {
		p.mu.Lock()
		delete(p.workers, w.id)
		p.checkDrainedLocked()
		p.mu.Unlock()
		return nil, err
	}
	p.mu.Lock()
	w.proc = proc
	p.mu.Unlock()
	p.watchers.Go(func() { p.watch(w) })
	return w, nil
}

// watch waits for a worker to end, reports it and what it served, and
// replaces it unless the server is stopping.
func (p *preforkRunner) watch(w *pworker) {
	r := p.r
	_, err := w.proc.Wait(r.base)
	pid := w.proc.Pid()
	w.proc.Close()
	close(w.exited)
	p.mu.Lock()
	delete(p.workers, w.id)
	open := w.open
	w.open = nil
	stopping := p.stopping
	p.checkDrainedLocked()
	p.mu.Unlock()
	lost := err
	if lost == nil {
		lost = fmt.Errorf("server: prefork worker pid %d ended", pid)
	}
	for _, c := range open {
		r.ev.emit(Event{Kind: EventClosed, Conn: c.id, Remote: c.remote, Pid: pid, Err: lost})
	}
	r.ev.emit(Event{Kind: EventWorkerExited, Pid: pid, Err: err})
	if !stopping {
		p.replace(w)
	}
}

// replace starts a worker in w's slot, waiting for respawnPause since w
// started, and trying again while starts fail.
func (p *preforkRunner) replace(w *pworker) {
	last := w.started
	for {
		t := time.NewTimer(time.Until(last.Add(respawnPause)))
		select {
		case <-t.C:
		case <-p.r.stopCh:
			t.Stop()
			return
		}
		if p.isStopping() {
			return
		}
		last = time.Now()
		_, err := p.start(w.slot)
		if err == nil {
			return
		}
		p.r.ev.emit(Event{Kind: EventWorkerExited, Err: fmt.Errorf("server: restarting prefork worker %d: %w", w.slot, err)})
	}
}

func (p *preforkRunner) isStopping() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopping
}

// hello gives a worker the listener, or lets it bind its own.
func (p *preforkRunner) hello(s *bsession, f frame) error {
	if f.op != opHelloWorker {
		return fmt.Errorf("server: a connection's hello to a %s server", p.r.s.m)
	}
	p.mu.Lock()
	w := p.workers[f.id]
	if w == nil || w.sess != nil {
		p.mu.Unlock()
		return fmt.Errorf("server: no worker %d waits", f.id)
	}
	w.sess = s
	s.owner = w
	stopping, cutting := p.stopping, p.cutting
	p.mu.Unlock()
	var err error
	if p.reuse && w.slot != 0 {
		err = s.pc.send(frame{op: opNoListener, id: w.id})
	} else {
		err = withFD(p.r.ln, func(fd int) error { return s.pc.sendFD(frame{op: opListenerFD, id: w.id}, fd) })
	}
	if stopping {
		s.queue(frame{op: opStop}, false)
	}
	if cutting {
		s.queue(frame{op: opCut}, false)
	}
	return err
}

// report takes a worker's news: ready, a connection begun or ended.
func (p *preforkRunner) report(s *bsession, f frame) {
	w, _ := s.owner.(*pworker)
	if w == nil {
		return
	}
	r := p.r
	switch f.op {
	case opReady:
		w.readyOnce.Do(func() { close(w.ready) })
		r.ev.emit(Event{Kind: EventWorkerStarted, Pid: s.pid})
	case opAccepted:
		c := reported{id: r.newID(), remote: string(f.data)}
		p.mu.Lock()
		if w.open != nil {
			w.open[f.id] = c
		}
		p.mu.Unlock()
		r.ev.emit(Event{Kind: EventAccepted, Conn: c.id, Remote: c.remote})
		r.ev.emit(Event{Kind: EventServed, Conn: c.id, Remote: c.remote, Pid: s.pid})
	case opClosed:
		p.mu.Lock()
		c, ok := w.open[f.id]
		delete(w.open, f.id)
		cutting := p.cutting
		p.mu.Unlock()
		if !ok {
			return
		}
		var err error
		switch {
		case cutting:
			err = ErrCut
		case len(f.data) > 0:
			err = errors.New(string(f.data))
		}
		r.ev.emit(Event{Kind: EventClosed, Conn: c.id, Remote: c.remote, Pid: s.pid, Err: err})
	}
}

func (p *preforkRunner) ended(*bsession) {}

func (p *preforkRunner) serve() error {
	<-p.r.stopCh
	return nil
}

// stop tells every worker to stop accepting; each ends once its
// connections have.
func (p *preforkRunner) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopping = true
	for _, w := range p.workers {
		if w.sess != nil {
			w.sess.queue(frame{op: opStop}, false)
		}
	}
	p.checkDrainedLocked()
}

func (p *preforkRunner) checkDrainedLocked() {
	if p.stopping && len(p.workers) == 0 {
		select {
		case <-p.drainCh:
		default:
			close(p.drainCh)
		}
	}
}

func (p *preforkRunner) drained() <-chan struct{} { return p.drainCh }

func (p *preforkRunner) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutting = true
	for _, w := range p.workers {
		if w.sess != nil {
			w.sess.queue(frame{op: opCut}, false)
		}
	}
}

func (p *preforkRunner) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range p.workers {
		if w.proc != nil {
			w.proc.Kill()
		}
	}
}

func (p *preforkRunner) close() { p.watchers.Wait() }
