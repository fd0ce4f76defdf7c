package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mproc"
	"mproc/internal/rootlink"
)

// Pool is a pool whose workers are the processes that Serve it, on any
// machine. It is an mproc.Executor: registered functions run on it with
// their usual verbs, Square.Submit(ctx, pool, 7), Square.Map(ctx, pool,
// xs), Square.Imap(...), and give the usual *mproc.Future.
//
// Tasks of one Pool are tracked by the process that made it; several
// processes may make a Pool of the same name, and share its workers.
type Pool struct {
	mproc.Executor
	core *core
}

// core is a Pool's backend: it publishes tasks and collects their results.
type core struct {
	c       *Conn
	name    string
	cfg     config
	client  string // the prefix of this Pool's task ids
	store   *poolStore
	watch   jetstream.KeyWatcher
	adv     *nats.Subscription
	stopRec func()
	ctx     context.Context // ends at Close: publishing and watching stop
	stop    context.CancelFunc

	mu      sync.Mutex
	seq     uint64
	pending map[string]*pendingTask
	bySeq   map[uint64]string // the stream sequence of each published task
	closing bool
	idle    chan struct{} // closed when closing and nothing is pending
}

type pendingTask struct {
	t     *rootlink.RemoteTask
	seq   uint64
	timer *time.Timer
}

// NewPool opens the pool called name, making its stream and buckets if
// they are new. Options: WithVersion, WithWorkers, WithAckWait,
// WithMaxDeliveries, WithTaskTimeout, WithTaskGrace, WithResultTTL.
func NewPool(ctx context.Context, c *Conn, name string, opts ...Option) (*Pool, error) {
	cfg := newConfig(opts)
	if err := checkName("pool", name); err != nil {
		return nil, err
	}
	switch {
	case cfg.maxDeliver < 1:
		return nil, fmt.Errorf("cluster: max deliveries must be at least 1, not %d", cfg.maxDeliver)
	case cfg.ackWait < 100*time.Millisecond:
		return nil, fmt.Errorf("cluster: ack wait %v is below 100 ms", cfg.ackWait)
	case cfg.taskTimeout < 0, cfg.grace < 0, cfg.resultTTL < 0, cfg.workers < 0:
		return nil, errors.New("cluster: pool limits must not be negative")
	}
	if cfg.version == "" {
		cfg.version = defaultVersion()
	}
	store, err := openStore(ctx, c, name, cfg, true)
	if err != nil {
		return nil, err
	}
	if _, err := store.results.PutString(ctx, versionKey, cfg.version); err != nil {
		return nil, fmt.Errorf("cluster: pool %q: storing its version: %w", name, err)
	}
	p := &core{c: c, name: name, cfg: cfg, client: newClientID(), store: store,
		pending: map[string]*pendingTask{}, bySeq: map[uint64]string{}}
	p.ctx, p.stop = context.WithCancel(context.Background())
	if p.watch, err = store.results.Watch(p.ctx, p.client+".*", jetstream.UpdatesOnly()); err != nil {
		p.stop()
		return nil, fmt.Errorf("cluster: pool %q: watching results: %w", name, err)
	}
	adv := fmt.Sprintf("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.%s.%s", tasksStream(name), consumerName)
	if p.adv, err = c.nc.Subscribe(adv, p.onMaxDeliveries); err != nil {
		p.watch.Stop()
		p.stop()
		return nil, fmt.Errorf("cluster: pool %q: %w", name, err)
	}
	p.stopRec = c.whenReconnected(func() { go p.rewatch() })
	go p.readResults(p.watch)
	return &Pool{Executor: rootlink.Cluster.NewExecutor(p).(mproc.Executor), core: p}, nil
}

func newClientID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Name is the pool's name.
func (p *Pool) Name() string { return p.core.name }

// Close stops the pool at once: futures not yet complete fail with
// mproc.ErrClosed. Their tasks stay on the server and may still run.
// Shutdown (mproc.Executor's) waits for them first.
func (p *Pool) Close() error { return p.core.Close() }

// Execute publishes a task (rootlink.RemoteBackend).
func (p *core) Execute(rt *rootlink.RemoteTask) {
	if !rt.Start() {
		rt.Finish(nil, mproc.ErrCancelled)
		return
	}
	p.mu.Lock()
	if p.closing {
		p.mu.Unlock()
		rt.Finish(nil, mproc.ErrClosed)
		return
	}
	p.seq++
	t := task{id: p.client + "." + strconv.FormatUint(p.seq, 10), fn: rt.Name, kind: rt.Kind, sig: rt.Sig,
		version: p.cfg.version, deadline: rt.Deadline, timeout: p.cfg.taskTimeout, payload: rt.Payload}
	pt := &pendingTask{t: rt}
	p.pending[t.id] = pt
	if !rt.Deadline.IsZero() {
		id := t.id
		pt.timer = time.AfterFunc(time.Until(rt.Deadline)+p.cfg.grace, func() {
			p.complete(id, nil, fmt.Errorf("%w: cluster task %s (%s) had no result by its deadline (%w)", mproc.ErrTimeout, id, rt.Name, context.DeadlineExceeded))
		})
	}
	p.mu.Unlock()
	go p.publish(t)
}

// publish sends t until the server takes it. Its id is the message id, so
// a send repeated after an error that hid a success is dropped by the
// server as a duplicate.
func (p *core) publish(t task) {
	msg := &nats.Msg{Subject: tasksSubject(p.name), Header: t.header(), Data: t.payload}
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		if !p.isPending(t.id) {
			return // timed out, or the pool closed
		}
		ack, err := p.c.js.PublishMsg(p.ctx, msg, jetstream.WithMsgID(t.id), jetstream.WithRetryAttempts(0))
		if err == nil {
			p.mu.Lock()
			if pt, ok := p.pending[t.id]; ok {
				pt.seq = ack.Sequence
				p.bySeq[ack.Sequence] = t.id
			}
			p.mu.Unlock()
			return
		}
		if errors.Is(err, nats.ErrMaxPayload) {
			p.complete(t.id, nil, fmt.Errorf("%w: task %s: %v", mproc.ErrTooLarge, t.id, err))
			return
		}
		select { // the server is away (restarting): try again
		case <-time.After(wait):
		case <-p.ctx.Done():
			return
		}
	}
}

func (p *core) isPending(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.pending[id]
	return ok
}

// readResults completes the futures whose results w brings.
func (p *core) readResults(w jetstream.KeyWatcher) {
	for e := range w.Updates() {
		if e == nil || e.Operation() != jetstream.KeyValuePut {
			continue
		}
		p.deliver(e.Key(), e.Value())
	}
}

func (p *core) deliver(id string, v []byte) {
	b, err := decodeResult(id, v)
	p.complete(id, b, err)
}

// rewatch starts a new watch after a reconnection (the old one can take
// many seconds to notice that the server it watched restarted), then
// looks up what the old one may have missed.
func (p *core) rewatch() {
	w, err := p.store.results.Watch(p.ctx, p.client+".*", jetstream.UpdatesOnly())
	if err != nil {
		p.sweep() // the old watch stays
		return
	}
	p.mu.Lock()
	old := p.watch
	p.watch = w
	p.mu.Unlock()
	old.Stop()
	go p.readResults(w)
	p.sweep()
}

// sweep looks up the results of every pending task: after a reconnection
// the watch may have missed some.
func (p *core) sweep() {
	p.mu.Lock()
	ids := make([]string, 0, len(p.pending))
	for id, pt := range p.pending {
		if pt.seq != 0 {
			ids = append(ids, id)
		}
	}
	p.mu.Unlock()
	for _, id := range ids {
		ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
		e, err := p.store.results.Get(ctx, id)
		cancel()
		if err == nil {
			p.deliver(id, e.Value())
		}
	}
}

// complete finishes task id once: later results (of a task that ran
// twice), and results of other pools, are dropped.
func (p *core) complete(id string, b []byte, err error) {
	p.mu.Lock()
	pt, ok := p.pending[id]
	if !ok {
		p.mu.Unlock()
		return
	}
	delete(p.pending, id)
	delete(p.bySeq, pt.seq)
	if pt.timer != nil {
		pt.timer.Stop()
	}
	if p.closing && len(p.pending) == 0 && p.idle != nil {
		close(p.idle)
		p.idle = nil
	}
	p.mu.Unlock()
	pt.t.Finish(b, err)
}

// maxDeliveries is the server's advisory for a task delivered as often as
// allowed and never acknowledged.
type maxDeliveries struct {
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries int    `json:"deliveries"`
}

func (p *core) onMaxDeliveries(m *nats.Msg) {
	var a maxDeliveries
	if json.Unmarshal(m.Data, &a) != nil {
		return
	}
	p.mu.Lock()
	id, ok := p.bySeq[a.StreamSeq]
	p.mu.Unlock()
	if !ok {
		return // another pool's task
	}
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	if e, err := p.store.results.Get(ctx, id); err == nil { // stored, not acknowledged
		p.deliver(id, e.Value())
	} else {
		var last error
		if e, err := p.store.results.Get(ctx, id+lostSuffix); err == nil {
			_, last = decodeResult(id, e.Value())
			if de, ok := last.(*DeliveryError); ok {
				last = de.Last
			}
		}
		p.complete(id, nil, &DeliveryError{ID: id, Deliveries: a.Deliveries, Last: last})
	}
	p.store.stream.DeleteMsg(ctx, a.StreamSeq) // it would stay in the stream for good
}

// CancelRunning tells the workers running these tasks to cancel them
// (rootlink.RemoteBackend); tasks not yet taken are deleted from the
// stream.
func (p *core) CancelRunning(rts []*rootlink.RemoteTask) {
	want := make(map[*rootlink.RemoteTask]bool, len(rts))
	for _, rt := range rts {
		want[rt] = true
	}
	var ids []string
	var seqs []uint64
	p.mu.Lock()
	for id, pt := range p.pending {
		if want[pt.t] {
			ids = append(ids, id)
			if pt.seq != 0 {
				seqs = append(seqs, pt.seq)
			}
		}
	}
	p.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	p.c.nc.Publish(cancelSubject(p.name), []byte(strings.Join(ids, "\n")))
	for _, seq := range seqs {
		ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
		p.store.stream.DeleteMsg(ctx, seq) // fails for those workers hold: they get the cancel
		cancel()
	}
}

// CancelPending returns 0 (rootlink.RemoteBackend): a cluster task is on
// the server as soon as it is submitted, where workers may take it at
// any moment; a Map's Cancel withdraws its tasks through CancelRunning.
func (p *core) CancelPending() int { return 0 }

// Workers is the number of workers given by WithWorkers
// (rootlink.RemoteBackend).
func (p *core) Workers() int { return p.cfg.workers }

// Shutdown stops taking tasks, waits for those submitted, and closes the
// pool (rootlink.RemoteBackend; the Executor's Shutdown then waits for
// OnDone callbacks). When ctx ends first it closes the pool and returns
// ctx's error.
func (p *core) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	p.closing = true
	var idle chan struct{}
	if len(p.pending) > 0 {
		if p.idle == nil {
			p.idle = make(chan struct{})
		}
		idle = p.idle
	}
	p.mu.Unlock()
	var err error
	if idle != nil {
		select {
		case <-idle:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	return errors.Join(err, p.Close())
}

// Close fails what is pending and stops watching.
func (p *core) Close() error {
	p.mu.Lock()
	p.closing = true
	ids := make([]string, 0, len(p.pending))
	for id := range p.pending {
		ids = append(ids, id)
	}
	p.mu.Unlock()
	for _, id := range ids {
		p.complete(id, nil, fmt.Errorf("%w: pool %q closed before task %s's result came", mproc.ErrClosed, p.name, id))
	}
	p.stopRec()
	p.stop()
	p.adv.Unsubscribe()
	p.mu.Lock()
	w := p.watch
	p.mu.Unlock()
	w.Stop()
	return nil
}
