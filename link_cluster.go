package mproc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"mproc/internal/rootlink"
)

// mproc/cluster runs registered functions on other machines through these
// hooks: the root gains no exported name.
func init() {
	rootlink.Cluster.NewExecutor = func(b rootlink.RemoteBackend) any { return &remoteExecutor{b: b} }
	rootlink.Cluster.Run = runRaw
	rootlink.Cluster.FuncSig = funcSig
	rootlink.Cluster.Registry = registrySigs
	rootlink.Cluster.EncodeFailure = encodeFailure
	rootlink.Cluster.DecodeFailure = decodeFailure
}

// remoteExecutor is the Executor of a cluster pool: tasks are encoded as
// for a local pool's workers and handed to the backend.
type remoteExecutor struct {
	b         rootlink.RemoteBackend
	callbacks callbackGroup
	mu        sync.Mutex
	sent      map[*execTask]*rootlink.RemoteTask // until they finish, for cancelRunning
}

func (e *remoteExecutor) Shutdown(ctx context.Context) error {
	if err := e.b.Shutdown(ctx); err != nil {
		return err
	}
	return e.callbacks.wait(ctx)
}

func (e *remoteExecutor) CancelPending() int { return e.b.CancelPending() }

func (e *remoteExecutor) execute(t *execTask) {
	if t.err != nil {
		t.job.finish(nil, t.err)
		return
	}
	sig, _ := funcSig(t.name)
	rt := &rootlink.RemoteTask{Name: t.name, Kind: t.kind, Payload: t.payload, Sig: sig, Deadline: t.deadline, Start: t.job.start}
	rt.Finish = func(b []byte, err error) {
		e.mu.Lock()
		delete(e.sent, t)
		e.mu.Unlock()
		t.job.finish(b, err)
	}
	e.mu.Lock()
	if e.sent == nil {
		e.sent = map[*execTask]*rootlink.RemoteTask{}
	}
	e.sent[t] = rt
	e.mu.Unlock()
	e.b.Execute(rt)
}

func (e *remoteExecutor) cancelRunning(ts []*execTask) {
	e.mu.Lock()
	var rts []*rootlink.RemoteTask
	for _, t := range ts {
		if rt, ok := e.sent[t]; ok {
			rts = append(rts, rt)
		}
	}
	e.mu.Unlock()
	if len(rts) > 0 {
		e.b.CancelRunning(rts)
	}
}

func (e *remoteExecutor) workerCount() int              { return max(1, e.b.Workers()) }
func (e *remoteExecutor) callbackGroup() *callbackGroup { return &e.callbacks }

func (e *remoteExecutor) sendsBytes() bool { return true }
func (p *Pool) sendsBytes() bool           { return true }
func (e *GoExecutor) sendsBytes() bool     { return false }

// encodesForWorkers says whether ex sends tasks as bytes to other
// processes. Not a type switch: a cluster pool is an Executor by embedding
// one.
func encodesForWorkers(ex Executor) bool { return ex.sendsBytes() }

// rawJob is a task that came encoded from another machine: its result
// stays encoded, for the trip back.
type rawJob struct {
	done   chan struct{}
	result []byte
	err    error
}

func (j *rawJob) start() bool { return true }

func (j *rawJob) finish(b []byte, err error) {
	j.result, j.err = slices.Clone(b), err // b may be the pool's buffer
	close(j.done)
}

func (j *rawJob) run(context.Context) {
	j.finish(nil, errors.New("mproc: a remote task runs in a pool only"))
}

func runRaw(pool any, name string, kind byte, payload []byte, deadline time.Time) (func(context.Context) ([]byte, error), func()) {
	p, ok := pool.(*Pool)
	if !ok {
		return func(context.Context) ([]byte, error) {
			return nil, fmt.Errorf("mproc: remote tasks run on a *Pool, not %T", pool)
		}, func() {}
	}
	j := &rawJob{done: make(chan struct{})}
	t := &execTask{name: name, kind: kind, payload: payload, deadline: deadline, ctx: context.Background(), job: j}
	p.execute(t)
	wait := func(ctx context.Context) ([]byte, error) {
		select {
		case <-j.done:
			return j.result, j.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return wait, func() { p.cancelRunning([]*execTask{t}) }
}

func funcSig(name string) (string, bool) {
	r, ok := lookup(name)
	if !ok {
		return "", false
	}
	a, res := r.types()
	return fmt.Sprintf("%v -> %v", a, res), true
}

func registrySigs() []string {
	registry.RLock()
	names := make([]string, 0, len(registry.m))
	for n := range registry.m {
		names = append(names, n)
	}
	registry.RUnlock()
	slices.Sort(names)
	for i, n := range names {
		sig, _ := funcSig(n)
		names[i] = n + " " + sig
	}
	return names
}

// encodeFailure keeps a *RemoteError's own fields, so that the error that
// reaches another machine reads as the child's, not as a report of it.
func encodeFailure(err error) []byte {
	if re, ok := errors.AsType[*RemoteError](err); ok && re == err {
		return encodeMsg(failure{Message: re.Message, Type: re.Type, Stack: re.Stack, Panicked: re.Panicked, Sentinels: sentinelNames(re)})
	}
	return encodeMsg(newFailure(err))
}

func decodeFailure(b []byte, name string, pid int) error {
	var f failure
	if err := decodeMsg(b, &f); err != nil {
		return err
	}
	return f.remote(name, pid)
}
