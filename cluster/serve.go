package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mproc"
	"mproc/internal/rootlink"
)

// Serve makes this program a worker of a pool (WithPool, default
// "default"): it takes the pool's tasks one at a time per free slot and
// runs them in local worker processes, WithWorkers at a time, until ctx
// ends, when it returns ctx's error; tasks it runs then are handed back
// for other workers. Options: WithPool, WithWorkers, WithVersion,
// WithTaskGrace.
//
// A pool of another version of the program (WithVersion, or a task's
// function registered here with other types, or not at all) makes Serve
// hand the task back and return an error matching ErrVersionMismatch.
func Serve(ctx context.Context, c *Conn, opts ...Option) error {
	cfg := newConfig(opts)
	if err := checkName("pool", cfg.pool); err != nil {
		return err
	}
	if cfg.workers < 1 {
		return fmt.Errorf("cluster: a worker needs at least one slot, not %d", cfg.workers)
	}
	if cfg.version == "" {
		cfg.version = defaultVersion()
	}
	store, err := openStore(ctx, c, cfg.pool, cfg, false)
	if err != nil {
		return err
	}
	if e, err := store.results.Get(ctx, versionKey); err == nil && string(e.Value()) != cfg.version {
		return &VersionError{Pool: cfg.pool, Worker: cfg.version, Tasks: string(e.Value())}
	}
	local, err := mproc.NewPool(ctx, mproc.WithWorkers(cfg.workers), mproc.WithTaskGrace(cfg.grace))
	if err != nil {
		return fmt.Errorf("cluster: the worker's local pool: %w", err)
	}
	defer local.Terminate()
	host, _ := os.Hostname()
	w := &worker{cfg: cfg, store: store, local: local, name: fmt.Sprintf("%s/%d", host, os.Getpid()),
		running: map[string]func(){}, fatal: make(chan error, 1)}
	sub, err := c.nc.Subscribe(cancelSubject(cfg.pool), w.onCancel)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	defer sub.Unsubscribe()
	return w.loop(ctx)
}

// worker is Serve's state.
type worker struct {
	cfg   config
	store *poolStore
	local *mproc.Pool
	name  string // host/pid, for errors

	mu      sync.Mutex
	running map[string]func() // cancels each running task, by id
	fatal   chan error        // a version mismatch: Serve's end
}

// loop fetches a task whenever a slot is free.
func (w *worker) loop(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	slots := make(chan struct{}, w.cfg.workers)
	var wg sync.WaitGroup
	defer func() {
		cancel() // first: the tasks running are handed back
		wg.Wait()
	}()
	wg.Add(1)
	go func() { defer wg.Done(); w.refreshInfo(ctx) }()
	for {
		select {
		case slots <- struct{}{}:
		case err := <-w.fatal:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
		msg, err := w.next(ctx)
		if err != nil {
			<-slots
			select {
			case err := <-w.fatal:
				return err
			default:
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			w.handle(ctx, msg)
		}()
	}
}

// next waits for a task, giving up now and then so that a server that
// went away is noticed (and the wait is made again once it is back).
func (w *worker) next(ctx context.Context) (jetstream.Msg, error) {
	fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	msg, err := w.store.tasks.Next(jetstream.FetchContext(fctx))
	if err != nil && fctx.Err() == nil && ctx.Err() == nil {
		select { // not a timeout: the server is away; pace the retries
		case <-time.After(250 * time.Millisecond):
		case <-ctx.Done():
		}
	}
	return msg, err
}

// handle runs one delivery of a task and stores its result, then
// acknowledges it; a delivery it can't complete is handed back (Nak).
func (w *worker) handle(ctx context.Context, msg jetstream.Msg) {
	t, err := parseTask(msg.Headers(), msg.Data())
	if err != nil {
		msg.TermWithReason(err.Error()) // no worker can run it
		return
	}
	if err := w.check(t); err != nil {
		msg.Nak()
		select {
		case w.fatal <- err:
		default:
		}
		return
	}
	if _, err := w.store.results.Get(ctx, t.id); err == nil {
		msg.Ack() // stored by a delivery whose acknowledgement was lost
		return
	}
	md, err := msg.Metadata()
	if err != nil {
		msg.Nak()
		return
	}
	stop := w.heartbeat(msg)
	result := w.run(ctx, t, int(md.NumDelivered))
	stop()
	if result == nil { // Serve is ending, or the local worker died with deliveries left
		msg.Nak()
		return
	}
	if w.storeResult(ctx, t.id, result) {
		msg.Ack()
	}
}

// check refuses a task of another version of the program.
func (w *worker) check(t task) error {
	if t.version != w.cfg.version {
		return &VersionError{Pool: w.cfg.pool, Worker: w.cfg.version, Tasks: t.version}
	}
	sig, ok := rootlink.Cluster.FuncSig(t.fn)
	switch {
	case !ok:
		return &VersionError{Pool: w.cfg.pool, Worker: w.cfg.version, Tasks: t.version,
			Detail: fmt.Sprintf("function %q is not registered in this worker", t.fn)}
	case sig != t.sig:
		return &VersionError{Pool: w.cfg.pool, Worker: w.cfg.version, Tasks: t.version,
			Detail: fmt.Sprintf("function %q is %s in this worker, %s in the pool's tasks", t.fn, sig, t.sig)}
	}
	return nil
}

// refreshInfo keeps the consumer's settings (its ack wait, for
// heartbeats) as the pool last set them.
func (w *worker) refreshInfo(ctx context.Context) {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			w.store.tasks.Info(ctx)
		case <-ctx.Done():
			return
		}
	}
}

// heartbeat tells the server, three times per ack wait, that the task is
// still running, so that it is not delivered to another worker.
func (w *worker) heartbeat(msg jetstream.Msg) (stop func()) {
	every := defaultAckWait / 3
	if info := w.store.tasks.CachedInfo(); info != nil && info.Config.AckWait > 0 {
		every = info.Config.AckWait / 3
	}
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				msg.InProgress()
			case <-done:
				return
			}
		}
	}()
	return func() { close(done) }
}

// run runs t in the local pool and returns the result to store, or nil
// to hand the delivery back.
func (w *worker) run(ctx context.Context, t task, delivery int) []byte {
	deadline := t.deadline
	if t.timeout > 0 {
		if d := time.Now().Add(t.timeout); deadline.IsZero() || d.Before(deadline) {
			deadline = d
		}
	}
	if !deadline.IsZero() && !time.Now().Before(deadline) {
		err := fmt.Errorf("%w: cluster task %s (%s) reached its deadline before it started (%w)", mproc.ErrTimeout, t.id, t.fn, context.DeadlineExceeded)
		return encodeFailed(w.name, os.Getpid(), err, 0)
	}
	wait, cancel := rootlink.Cluster.Run(w.local, t.fn, t.kind, t.payload, deadline)
	w.mu.Lock()
	w.running[t.id] = cancel
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		delete(w.running, t.id)
		w.mu.Unlock()
	}()
	b, err := wait(ctx)
	if ctx.Err() != nil {
		cancel()
		return nil
	}
	if err == nil {
		return encodeOK(b)
	}
	if lost, ok := errors.AsType[*mproc.WorkerLostError](err); ok {
		if delivery < w.maxDeliver(ctx) {
			// Recorded for the pool, in case no later delivery can say
			// more (its worker machine dies too).
			w.store.results.Put(ctx, t.id+lostSuffix, encodeFailed(w.name, lost.Pid, err, delivery))
			return nil
		}
		return encodeFailed(w.name, lost.Pid, err, delivery)
	}
	name, pid := w.name, os.Getpid()
	if re, ok := errors.AsType[*mproc.RemoteError](err); ok {
		name, pid = w.name+" "+re.Name, re.Pid
	}
	return encodeFailed(name, pid, err, 0)
}

// maxDeliver asks the server: the pool may have changed it since this
// worker started.
func (w *worker) maxDeliver(ctx context.Context) int {
	if info, err := w.store.tasks.Info(ctx); err == nil && info.Config.MaxDeliver > 0 {
		return info.Config.MaxDeliver
	}
	return defaultMaxDeliver
}

// storeResult stores a task's result, once: a result stored already (by
// another delivery) stands. It tries until ctx ends or the server takes
// it, and reports whether the result is stored.
func (w *worker) storeResult(ctx context.Context, id string, v []byte) bool {
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		_, err := w.store.results.Create(ctx, id, v)
		if err == nil || errors.Is(err, jetstream.ErrKeyExists) {
			return true
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return false
		}
	}
}

// onCancel cancels the running tasks a pool names (one id a line).
func (w *worker) onCancel(m *nats.Msg) {
	for id := range strings.Lines(string(m.Data)) {
		w.mu.Lock()
		cancel := w.running[strings.TrimSpace(id)]
		w.mu.Unlock()
		if cancel != nil {
			cancel()
		}
	}
}
