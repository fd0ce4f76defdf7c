package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"time"

	"mproc"
)

// connArg is what a pool task serving one connection is given: where the
// broker is, the key that opens it, and which connection to ask for.
type connArg struct {
	Broker string
	Key    []byte
	ID     uint64
}

// processRunner serves each connection in a child process of its own, for
// as long as the connection lasts. A child that finished its connection
// waits for the next one (up to the idle cap; the others end), as Apache's
// prefork keeps spare servers; with WithFreshChildren each child serves one
// connection and ends. A connection that finds no idle child waits for one
// started for it, or for one that frees first: children are started as
// connections come, each on a goroutine of its own.
type processRunner struct {
	r       *run
	fresh   bool
	maxIdle int
	spares  bool // this run turned warm spares on

	// startSlots bounds the starts in flight; warm is the warm spares
	// asked for, more than WithSpares's count during a burst of starts.
	startSlots chan struct{}
	warm       int

	// starting bounds the children's starts: the cut ends it, so that
	// connections still waiting for a child when the grace is over get
	// none, rather than each a start of its own after the end.
	starting   context.Context
	stopStarts context.CancelFunc

	mu       sync.Mutex
	nextID   uint64
	children map[uint64]*pchild
	idle     []*pchild  // most recently used last
	waiting  []*tracked // accepted, no child yet, first come first
	pending  int        // children started that have not said hello
	stopping bool
	reaper   *time.Timer   // ends children idle beyond maxIdle
	drainCh  chan struct{} // closed once stopping with no child and no connection waiting
	watchers sync.WaitGroup
}

// idleLinger is how long a child beyond the idle cap may wait for another
// connection before it is ended: as Apache's prefork ends its extra spare
// servers one maintenance second at a time, so that a burst's children
// serve the next burst rather than end and start again (8 clients each
// connecting for every request made a process start per 8 connections
// with an idle cap of 4 and no linger).
const idleLinger = time.Second

// pchild is a Process child, as the server's process sees it.
type pchild struct {
	id   uint64
	proc *mproc.Proc[mproc.None]
	sess *bsession // once it said hello
	conn *tracked  // what it serves now; nil when idle
	gone bool      // its process ended, or its start failed
	// counted is set once the child no longer counts in pending: it said
	// hello, or it never will. A start that fails as the child says hello
	// (the cut ends the start) must not count twice.
	counted bool
	// idleSince is when it last went idle.
	idleSince time.Time
}

func newProcessRunner(r *run) *processRunner {
	return &processRunner{
		r: r, fresh: r.cfg.fresh, maxIdle: r.cfg.spares,
		children: map[uint64]*pchild{}, drainCh: make(chan struct{}),
	}
}

// A burst of connections (1,000 clients at once) needs as many children,
// each an exec of the binary, about a millisecond of CPU: the starts run
// startsPerCPU to a CPU at once, with as many warm spares starting ahead,
// so that both the execs and the children's handshakes keep the CPUs busy.
// More at once only adds waiters: each of a thousand starts waiting for a
// spare wakes at every spare that starts.
const startsPerCPU = 8

func (p *processRunner) open(context.Context) error {
	p.startSlots = make(chan struct{}, startsPerCPU*runtime.GOMAXPROCS(0))
	if n := p.r.cfg.spares; n > 0 {
		mproc.WarmSpares(n)
		p.spares, p.warm = true, n
	}
	if p.fresh {
		p.maxIdle = 0
	}
	p.starting, p.stopStarts = context.WithCancel(p.r.base)
	return nil
}

func (p *processRunner) serve() error {
	return p.r.acceptLoop(func(c net.Conn) {
		if t := p.r.track(c); t != nil {
			p.assign(t)
		}
	})
}

// assign gives t to an idle child, or queues it and starts a child for
// it unless enough are starting already.
func (p *processRunner) assign(t *tracked) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		ch := p.idle[n-1]
		p.idle = p.idle[:n-1]
		ch.conn = t
		p.mu.Unlock()
		p.give(ch, t)
		return
	}
	p.waiting = append(p.waiting, t)
	start := len(p.waiting) > p.pending
	if start {
		p.pending++
	}
	p.mu.Unlock()
	if start {
		go p.start()
	}
}

// start starts a child. If it can't, a connection waiting for it is
// finished with the error.
func (p *processRunner) start() {
	r := p.r
	p.mu.Lock()
	p.nextID++
	ch := &pchild{id: p.nextID}
	p.children[ch.id] = ch
	p.mu.Unlock()
	if err := p.takeSlot(); err != nil {
		p.unstarted(ch, err)
		return
	}
	p.warmFor()
	arg := procArg{Broker: r.br.addr, Key: r.br.key, ID: ch.id, Fresh: p.fresh}
	proc, err := r.h.proc.Start(p.starting, arg, mproc.WithDaemon(true), mproc.WithName(fmt.Sprintf("%s-proc-%d", r.h.name, ch.id)))
	<-p.startSlots
	if err != nil {
		p.unstarted(ch, err)
		return
	}
	p.mu.Lock()
	ch.proc = proc
	p.mu.Unlock()
	p.watchers.Go(func() { p.watch(ch) })
}

// takeSlot waits for a start slot. A start the cut ended must not begin,
// waiting or past the wait: Start with an ended ctx may still exec a
// child.
func (p *processRunner) takeSlot() error {
	select {
	case p.startSlots <- struct{}{}:
		if err := p.starting.Err(); err != nil {
			<-p.startSlots
			return err
		}
		return nil
	case <-p.starting.Done():
		return p.starting.Err()
	}
}

// unstarted forgets a child whose start failed with err. The child may
// have said hello as its start failed: then it may hold a connection,
// which ends with err, as if it had died.
func (p *processRunner) unstarted(ch *pchild, err error) {
	p.mu.Lock()
	delete(p.children, ch.id)
	ch.gone = true
	p.dropIdleLocked(ch)
	t := ch.conn
	ch.conn = nil
	uncounted := p.countLocked(ch)
	p.mu.Unlock()
	if uncounted {
		p.lostStart(err)
	} else {
		p.mu.Lock()
		p.checkDrainedLocked()
		p.mu.Unlock()
	}
	if t != nil {
		p.r.finish(t, err)
	}
}

// countLocked takes ch out of pending, once; it reports whether it did.
func (p *processRunner) countLocked(ch *pchild) bool {
	if ch.counted {
		return false
	}
	ch.counted = true
	p.pending--
	return true
}

// warmFor asks for more warm spares while more children are waiting to
// start than WithSpares's count, and for the count again once none is.
func (p *processRunner) warmFor() {
	if !p.spares {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	want := p.r.cfg.spares
	if p.pending > 1 && p.starting.Err() == nil {
		want = max(p.warm, min(p.pending, cap(p.startSlots)))
	}
	if want != p.warm {
		p.warm = want
		mproc.WarmSpares(want)
	}
}

// lostStart follows a child that will not say hello, taken out of pending
// (or a start that never began, for which pending counted): the last
// connection waiting beyond the children still starting gets err.
func (p *processRunner) lostStart(err error) {
	p.mu.Lock()
	var t *tracked
	if n := len(p.waiting); n > 0 && n > p.pending {
		t = p.waiting[n-1]
		p.waiting = p.waiting[:n-1]
	}
	p.checkDrainedLocked()
	p.mu.Unlock()
	p.warmFor()
	if t != nil {
		p.r.finish(t, err)
	}
}

// watch waits for a child's process to end; the connection it served, if
// any, ends with it.
func (p *processRunner) watch(ch *pchild) {
	r := p.r
	_, err := ch.proc.Wait(r.base)
	pid := ch.proc.Pid()
	ch.proc.Close()
	p.mu.Lock()
	ch.gone = true
	delete(p.children, ch.id)
	p.dropIdleLocked(ch)
	t := ch.conn
	ch.conn = nil
	hello := ch.sess != nil
	uncounted := p.countLocked(ch)
	p.mu.Unlock()
	if uncounted {
		if err == nil {
			err = fmt.Errorf("server: child pid %d ended before it took a connection", pid)
		}
		p.lostStart(err)
	}
	if t != nil {
		lost := err
		if lost == nil {
			lost = fmt.Errorf("server: child pid %d ended", pid)
		}
		r.finish(t, lost)
	}
	if hello {
		r.ev.emit(Event{Kind: EventWorkerExited, Pid: pid, Err: err})
	}
	p.mu.Lock()
	p.checkDrainedLocked()
	p.mu.Unlock()
}

func (p *processRunner) dropIdleLocked(ch *pchild) {
	for i, c := range p.idle {
		if c == ch {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			return
		}
	}
}

// hello takes a new child's session: it is ready for connections.
func (p *processRunner) hello(s *bsession, f frame) error {
	if f.op != opHelloProc {
		return fmt.Errorf("server: a hello (op %d) to a %s server from another kind of child", f.op, p.r.s.m)
	}
	p.mu.Lock()
	ch := p.children[f.id]
	if ch == nil || ch.sess != nil || ch.gone {
		p.mu.Unlock()
		return fmt.Errorf("server: no child %d is starting", f.id)
	}
	ch.sess = s
	s.owner = ch
	p.countLocked(ch)
	p.mu.Unlock()
	p.warmFor()
	if err := s.pc.send(frame{op: opReady, id: f.id}); err != nil {
		return err
	}
	p.r.ev.emit(Event{Kind: EventWorkerStarted, Pid: s.pid})
	p.freed(ch)
	return nil
}

// freed finds a child that has no connection (a new one, or one whose
// connection ended) its next: the first waiting, else it idles, or ends
// when enough idle or the server is stopping.
func (p *processRunner) freed(ch *pchild) {
	p.mu.Lock()
	if ch.gone {
		p.mu.Unlock()
		return
	}
	if len(p.waiting) > 0 {
		t := p.waiting[0]
		p.waiting = p.waiting[1:]
		ch.conn = t
		// A child started for t may now have no connection to take: it
		// will idle, or end if enough do.
		p.mu.Unlock()
		p.give(ch, t)
		return
	}
	stop := p.stopping || p.maxIdle == 0
	if !stop {
		ch.idleSince = time.Now()
		p.idle = append(p.idle, ch)
		if len(p.idle) > p.maxIdle && p.reaper == nil {
			p.reaper = time.AfterFunc(idleLinger, p.reap)
		}
	}
	p.checkDrainedLocked()
	p.mu.Unlock()
	if stop {
		ch.sess.queue(frame{op: opStop}, false)
	}
}

// reap ends the children beyond the idle cap that have been idle for
// idleLinger, the longest idle first, and comes back while too many wait.
func (p *processRunner) reap() {
	p.mu.Lock()
	p.reaper = nil
	var ended []*pchild
	now := time.Now()
	for len(p.idle) > p.maxIdle && now.Sub(p.idle[0].idleSince) >= idleLinger {
		ended = append(ended, p.idle[0])
		p.idle = p.idle[1:]
	}
	if len(p.idle) > p.maxIdle && !p.stopping {
		p.reaper = time.AfterFunc(idleLinger-now.Sub(p.idle[0].idleSince), p.reap)
	}
	p.mu.Unlock()
	for _, ch := range ended {
		ch.sess.queue(frame{op: opStop}, false)
	}
}

// give sends t to ch.
func (p *processRunner) give(ch *pchild, t *tracked) {
	t.mu.Lock()
	t.sess = ch.sess
	isCut := t.isCut
	t.mu.Unlock()
	if !ch.sess.give(t) {
		return // the session is gone: the child's end finishes t
	}
	if isCut {
		ch.sess.queue(frame{op: opCut, id: t.id}, false)
	}
	p.r.ev.emit(Event{Kind: EventServed, Conn: t.id, Remote: t.remote, Pid: ch.sess.pid})
}

// report takes a child's news: the connection it served ended.
func (p *processRunner) report(s *bsession, f frame) {
	ch, _ := s.owner.(*pchild)
	if ch == nil || f.op != opClosed {
		return
	}
	p.mu.Lock()
	t := ch.conn
	if t == nil || t.id != f.id {
		p.mu.Unlock()
		return
	}
	ch.conn = nil
	p.mu.Unlock()
	var err error
	if len(f.data) > 0 {
		err = errors.New(string(f.data))
	}
	p.r.finish(t, err)
	if !p.fresh {
		p.freed(ch)
	}
}

// ended: a child's session closed; its process's end (watch) settles the
// rest.
func (p *processRunner) ended(s *bsession) {
	ch, _ := s.owner.(*pchild)
	if ch == nil {
		return
	}
	p.mu.Lock()
	p.dropIdleLocked(ch)
	p.mu.Unlock()
}

// stop ends the idle children; the others end after their connections.
func (p *processRunner) stop() {
	p.mu.Lock()
	p.stopping = true
	idle := p.idle
	p.idle = nil
	if p.reaper != nil {
		p.reaper.Stop()
		p.reaper = nil
	}
	p.checkDrainedLocked()
	p.mu.Unlock()
	for _, ch := range idle {
		ch.sess.queue(frame{op: opStop}, false)
	}
}

func (p *processRunner) checkDrainedLocked() {
	if p.stopping && len(p.children) == 0 && len(p.waiting) == 0 && p.pending <= 0 {
		select {
		case <-p.drainCh:
		default:
			close(p.drainCh)
		}
	}
}

// drained is closed once every connection has ended and every child with
// it.
func (p *processRunner) drained() <-chan struct{} {
	done := make(chan struct{})
	go func() {
		<-p.r.idle
		<-p.drainCh
		close(done)
	}()
	return done
}

// cut ends the starts, finishes the connections still waiting for a
// child, and cuts the others.
func (p *processRunner) cut() {
	p.stopStarts()
	p.mu.Lock()
	waiting := p.waiting
	p.waiting = nil
	p.mu.Unlock()
	for _, t := range waiting {
		t.cut()
		p.r.finish(t, ErrCut)
	}
	p.r.cutConns()
	p.mu.Lock()
	p.checkDrainedLocked()
	p.mu.Unlock()
}

func (p *processRunner) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ch := range p.children {
		if ch.proc != nil {
			ch.proc.Kill()
		}
	}
}

func (p *processRunner) close() {
	p.stopStarts()
	p.watchers.Wait()
	if p.spares {
		mproc.WarmSpares(0)
	}
}
