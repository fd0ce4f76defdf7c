package mproc

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
)

// GoExecutor runs tasks on a fixed number of goroutines in this process
// (CPython's ThreadPoolExecutor). It takes registered functions like a Pool
// (Func.Submit, Func.Map), with the same Futures, and closures (Go).
type GoExecutor struct {
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []*execTask
	closed bool
	n      int
	wg     sync.WaitGroup

	callbacks callbackGroup
}

// NewGoExecutor starts n goroutines (n < 1 is an error).
func NewGoExecutor(n int) (*GoExecutor, error) {
	if n < 1 {
		return nil, fmt.Errorf("mproc: an executor needs at least one goroutine, not %d", n)
	}
	e := &GoExecutor{n: n}
	e.cond = sync.NewCond(&e.mu)
	for range n {
		e.wg.Go(e.work)
	}
	return e, nil
}

func (e *GoExecutor) work() {
	for {
		e.mu.Lock()
		for len(e.queue) == 0 && !e.closed {
			e.cond.Wait()
		}
		if len(e.queue) == 0 {
			e.mu.Unlock()
			return
		}
		t := e.queue[0]
		e.queue = e.queue[1:]
		e.mu.Unlock()
		if t.job.start() {
			t.job.run(t.ctx)
		}
	}
}

func (e *GoExecutor) workerCount() int { return e.n }

func (e *GoExecutor) callbackGroup() *callbackGroup { return &e.callbacks }

func (e *GoExecutor) execute(t *execTask) {
	if t.err != nil {
		t.job.finish(nil, t.err)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		t.job.finish(nil, fmt.Errorf("%w: the executor is shut down", ErrClosed))
		return
	}
	e.queue = append(e.queue, t)
	e.cond.Signal()
}

// cancelRunning does nothing: a Map's chunks run here with its own ctx,
// which it cancels (Executor).
func (e *GoExecutor) cancelRunning([]*execTask) {}

// Shutdown stops taking tasks and waits for those taken, and for their
// OnDone callbacks (Executor).
func (e *GoExecutor) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	e.closed = true
	e.cond.Broadcast()
	e.mu.Unlock()
	if err := waitGroup(ctx, &e.wg); err != nil {
		return err
	}
	return e.callbacks.wait(ctx)
}

// CancelPending cancels the tasks no goroutine has taken yet (their futures
// fail with ErrCancelled) and says how many there were (Executor).
func (e *GoExecutor) CancelPending() int {
	e.mu.Lock()
	pending := e.queue
	e.queue = nil
	e.mu.Unlock()
	for _, t := range pending {
		t.job.finish(nil, ErrCancelled)
	}
	return len(pending)
}

// Go runs fn on the executor and returns its Future (CPython's
// executor.submit(fn)). A panic in fn fails the future with the panic's
// value and stack.
func Go[R any](ctx context.Context, e *GoExecutor, fn func(ctx context.Context) (R, error)) *Future[R] {
	fut := newFuture[R](allowCancel)
	fut.callbacks = &e.callbacks
	e.execute(&execTask{name: "closure", ctx: ctx, job: &goJob[R]{fn, fut}})
	return fut
}

// goJob is a closure given to Go.
type goJob[R any] struct {
	fn  func(ctx context.Context) (R, error)
	fut *Future[R]
}

func (j *goJob[R]) start() bool { return j.fut.start() }

func (j *goJob[R]) finish(_ []byte, err error) {
	var zero R
	j.fut.complete(zero, err)
}

func (j *goJob[R]) run(ctx context.Context) { j.fut.complete(safeRun(ctx, j.fn)) }

func safeRun[R any](ctx context.Context, fn func(ctx context.Context) (R, error)) (r R, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: string(debug.Stack())}
		}
	}()
	return fn(ctx)
}
