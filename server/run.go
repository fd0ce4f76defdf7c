package server

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// run is one Serve: its connections, its workers and how it stops.
type run struct {
	s    *Server
	cfg  config
	h    *Handler
	ln   net.Listener
	base context.Context // the parent of handlers' and children's contexts: Serve's values, never its end
	ev   *emitter
	hub  hub
	br   *broker // process models
	impl runner
	pid  int

	mu       sync.Mutex
	nextID   uint64
	conns    map[uint64]*tracked
	stopping bool
	idle     chan struct{} // closed once stopping with no connection left

	stopOnce sync.Once
	stopCh   chan struct{}
	reason   error
	cutOnce  sync.Once
	cutFlag  bool
	grace    *time.Timer // cuts when the grace period after Serve's ctx ends is over
	killer   *time.Timer
	finished bool          // Serve is returning: no more timers
	done     chan struct{} // closed when Serve returns
}

// runner is what a model does in a run.
type runner interface {
	open(ctx context.Context) error // starts the model's processes
	serve() error                   // accepts until the listener closes; nil then
	stop()                          // once the listener is closed
	drained() <-chan struct{}       // closed once everything has ended
	cut()                           // closes every connection now
	kill()                          // a second after cut: kills the processes left
	close()                         // after drained: releases the model's resources
}

// killAfter is how long the processes of cut connections have to end
// before they are killed.
const killAfter = time.Second

func newRun(s *Server, ln net.Listener) *run {
	r := &run{
		s: s, cfg: s.cfg, h: s.h, ln: ln, pid: os.Getpid(),
		ev:     &emitter{observers: s.cfg.observers, logger: s.cfg.logger},
		conns:  map[uint64]*tracked{},
		idle:   make(chan struct{}),
		stopCh: make(chan struct{}),
		done:   make(chan struct{}),
	}
	switch s.m.kind {
	case kindGoroutine:
		r.impl = &goroutineRunner{r: r}
	case kindGoroutinePool:
		r.impl = &goroutinePoolRunner{r: r, n: s.m.workers}
	case kindProcess:
		r.impl = newProcessRunner(r)
	case kindProcessPool:
		r.impl = &processPoolRunner{r: r, n: s.m.workers, free: s.m.workers}
	case kindPrefork:
		r.impl = newPreforkRunner(r, s.m.workers)
	}
	return r
}

func (r *run) serve(ctx context.Context) error {
	r.base = context.WithoutCancel(ctx)
	if err := r.open(ctx); err != nil {
		r.ln.Close()
		return err
	}
	served := make(chan error, 1)
	go func() { served <- r.impl.serve() }()
	accepting := true
	select {
	case <-ctx.Done():
		r.requestStop(ctx.Err())
	case <-r.stopCh:
	case err := <-served:
		accepting = false
		r.requestStop(err)
	}
	stopGrace := context.AfterFunc(ctx, r.armGrace)
	defer func() {
		stopGrace()
		r.finishTimers()
	}()

	r.setStopping()
	r.ln.Close()
	r.impl.stop()
	if accepting {
		<-served
	}
	<-r.impl.drained()
	r.impl.close()
	r.closeBroker()
	return r.reason
}

// armGrace starts the grace period once Serve's ctx has ended.
func (r *run) armGrace() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.finished && r.grace == nil {
		r.grace = time.AfterFunc(r.cfg.grace, r.cut)
	}
}

// finishTimers stops the grace and kill timers as Serve returns.
func (r *run) finishTimers() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.finished = true
	for _, t := range []*time.Timer{r.grace, r.killer} {
		if t != nil {
			t.Stop()
		}
	}
}

// open starts the broker (for process models) and the model.
func (r *run) open(ctx context.Context) error {
	if !r.s.m.inProcess() {
		br, err := newBroker(r)
		if err != nil {
			return err
		}
		r.br = br
	}
	if err := r.impl.open(ctx); err != nil {
		r.closeBroker()
		return err
	}
	return nil
}

func (r *run) closeBroker() {
	if r.br != nil {
		r.br.close()
	}
}

// requestStop makes Serve stop for reason (the first one given).
func (r *run) requestStop(reason error) {
	r.stopOnce.Do(func() {
		r.reason = reason
		close(r.stopCh)
	})
}

func (r *run) isStopping() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopping
}

func (r *run) setStopping() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopping = true
	r.checkIdleLocked()
}

func (r *run) checkIdleLocked() {
	if r.stopping && len(r.conns) == 0 {
		select {
		case <-r.idle:
		default:
			close(r.idle)
		}
	}
}

// cut ends the grace period: every connection is closed now, and the
// processes serving them are killed if they are still there a second on.
func (r *run) cut() {
	r.cutOnce.Do(func() {
		r.mu.Lock()
		r.cutFlag = true
		r.mu.Unlock()
		r.impl.cut()
		r.mu.Lock()
		if !r.finished {
			r.killer = time.AfterFunc(killAfter, r.impl.kill)
		}
		r.mu.Unlock()
	})
}

func (r *run) wasCut() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cutFlag
}

// acceptLoop accepts connections and gives them to handle, until the
// listener is closed for the stop (nil) or fails (its error). Errors that
// may pass (out of descriptors, an aborted connection) are retried after a
// pause that grows, as net/http does.
func (r *run) acceptLoop(handle func(net.Conn)) error {
	var delay time.Duration
	for {
		c, err := r.ln.Accept()
		if err == nil {
			delay = 0
			handle(c)
			continue
		}
		if r.isStopping() || errors.Is(err, net.ErrClosed) {
			return nil
		}
		if !retryable(err) {
			return err
		}
		delay = min(max(2*delay, 5*time.Millisecond), time.Second)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.stopCh:
			t.Stop()
		}
	}
}

func retryable(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.EINTR} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// newID numbers a connection.
func (r *run) newID() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nextID++
	return r.nextID
}
