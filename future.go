package mproc

import (
	"context"
	"iter"
	"sync"
	"sync/atomic"
)

// Future is the result of a task that runs elsewhere: in a pool's worker
// process or an executor's goroutine (CPython's AsyncResult and
// concurrent.futures.Future in one type).
//
// Get waits for it; Done is closed when it completes; OnDone runs callbacks
// in this process. A Future completes once: with a value, an error, or
// ErrCancelled.
type Future[T any] struct {
	// ready is set once val and err are: Ready and Get read it without the
	// lock. The done channel is made only when someone asks for it (Done,
	// a Get that parks): most futures of a pool's Submit are collected
	// ready, and a channel each was a third of Submit's allocations.
	ready atomic.Bool

	mu        sync.Mutex
	done      chan struct{} // made by doneChan, closed by complete
	val       T
	err       error
	started   bool
	cancelled bool
	cbs       []func(*Future[T])
	waiters   []chan<- *Future[T] // told of the completion by a send that never blocks: see notify
	cancelFn  func() bool         // withdraws the task if it has not started
	abort     func()              // after a Cancel, stops what of the task runs (a Map's chunks)
	callbacks *callbackGroup      // the executor's count of running callbacks, if any
}

func newFuture[T any](cancel func() bool) *Future[T] {
	return &Future[T]{cancelFn: cancel}
}

// Done is closed when the future completes.
func (f *Future[T]) Done() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done == nil {
		if f.ready.Load() {
			return closedDone
		}
		f.done = make(chan struct{})
	}
	return f.done
}

// closedDone is the Done of a future asked for it only once complete.
var closedDone = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Get waits for the result. When ctx ends first it returns ctx's error,
// which at a deadline matches ErrTimeout too (CPython's TimeoutError; see
// "Deadlines" in the package doc); the task goes on, and a later Get
// can still collect it. A task that failed returns its error: a
// *RemoteError from a worker, *WorkerLostError when the worker died.
func (f *Future[T]) Get(ctx context.Context) (T, error) {
	// No polling here: a pool's result reader polls already, and a third
	// poller (with the worker's) on a 2-core machine took the CPU from one
	// of them; the reader instead yields to the goroutine it completed (see
	// readResults), which then runs on the reader's thread at once.
	if f.ready.Load() {
		return f.val, f.err
	}
	select {
	case <-f.Done():
	case <-ctx.Done():
		var zero T
		return zero, gaveUp(ctx, ErrTimeout)
	}
	return f.val, f.err
}

// Result returns the value and error of a completed future without
// waiting; ok is false while it is not done.
func (f *Future[T]) Result() (v T, err error, ok bool) {
	if !f.ready.Load() {
		return v, nil, false
	}
	return f.val, f.err, true
}

// Cancel withdraws the task if it has not started and reports whether it
// did; the future then completes with ErrCancelled. A MapAsync's future can
// be cancelled until it completes: its chunks not started are withdrawn,
// and those running are cancelled as when the Map fails.
func (f *Future[T]) Cancel() bool {
	f.mu.Lock()
	if f.started || f.ready.Load() || f.cancelFn == nil || !f.cancelFn() {
		f.mu.Unlock()
		return f.cancelled
	}
	f.cancelled = true
	f.mu.Unlock()
	var zero T
	f.complete(zero, ErrCancelled)
	if f.abort != nil { // outside f.mu: it may complete futures, this one's chunks among them
		f.abort()
	}
	return true
}

// Cancelled reports whether Cancel withdrew the task.
func (f *Future[T]) Cancelled() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cancelled
}

// start marks the task as running, so that it can no longer be cancelled;
// false means it was cancelled already.
func (f *Future[T]) start() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cancelled {
		return false
	}
	f.started = true
	return true
}

// OnDone arranges for cb to run once the future completes, in this process,
// on a goroutine of its own: a slow callback never holds up a pool or other
// callbacks, so callbacks may run at the same time. The executor's Join and
// Shutdown wait for them. (CPython's callback= and add_done_callback.)
func (f *Future[T]) OnDone(cb func(*Future[T])) {
	f.mu.Lock()
	if !f.ready.Load() {
		f.cbs = append(f.cbs, cb)
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	f.runCallback(cb)
}

// notify sends f on ch when it completes, or now if it has. The send
// happens on the completing goroutine, so ch must have room for it: its
// owner sizes it for every future it watches. Unlike OnDone this costs no
// goroutine, which matters to WaitFutures and AsCompleted over thousands
// of futures.
func (f *Future[T]) notify(ch chan<- *Future[T]) {
	f.mu.Lock()
	if !f.ready.Load() {
		f.waiters = append(f.waiters, ch)
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	ch <- f
}

// unnotify withdraws a notify that is no longer wanted.
func (f *Future[T]) unnotify(ch chan<- *Future[T]) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, w := range f.waiters {
		if w == ch {
			f.waiters = append(f.waiters[:i], f.waiters[i+1:]...)
			return
		}
	}
}

// runCallback runs cb on its own goroutine, counted by the executor so that
// its Join and Shutdown wait for it.
func (f *Future[T]) runCallback(cb func(*Future[T])) {
	if f.callbacks == nil {
		go cb(f)
		return
	}
	f.callbacks.add()
	go func() {
		defer f.callbacks.done()
		cb(f)
	}()
}

// complete sets the outcome once; later calls do nothing.
func (f *Future[T]) complete(v T, err error) bool {
	f.mu.Lock()
	if f.ready.Load() {
		f.mu.Unlock()
		return false
	}
	f.val, f.err = v, err
	cbs, waiters := f.cbs, f.waiters
	f.cbs, f.waiters = nil, nil
	f.ready.Store(true)
	if f.done != nil {
		close(f.done)
	}
	f.mu.Unlock()
	for _, ch := range waiters {
		ch <- f
	}
	for _, cb := range cbs {
		f.runCallback(cb)
	}
	return true
}

// WaitMode says when WaitFutures returns.
type WaitMode int

const (
	AllCompleted   WaitMode = iota // when every future is done
	FirstCompleted                 // when any future is done
	FirstError                     // when any future fails, or all are done
)

// WaitFutures waits for futures as mode says and returns those done and
// those not (CPython's concurrent.futures.wait). When ctx ends first it
// returns what is done by then and ctx's error. (It is not called Wait:
// that name is CPython's connection.wait, for Conns.)
func WaitFutures[T any](ctx context.Context, mode WaitMode, fs ...*Future[T]) (done, pending []*Future[T], err error) {
	ch := make(chan *Future[T], len(fs))
	for _, f := range fs {
		f.notify(ch)
	}
	defer func() {
		for _, f := range pending {
			f.unnotify(ch)
		}
	}()
	ndone, failed := 0, false
	enough := func() bool {
		switch mode {
		case FirstCompleted:
			return ndone > 0 || len(fs) == 0
		case FirstError:
			return failed || ndone == len(fs)
		}
		return ndone == len(fs)
	}
	for !enough() {
		select {
		case f := <-ch:
			ndone++
			failed = failed || f.err != nil
		case <-ctx.Done():
			err = ctx.Err()
		}
		if err != nil {
			break
		}
	}
	for _, f := range fs {
		if f.ready.Load() {
			done = append(done, f)
		} else {
			pending = append(pending, f)
		}
	}
	return done, pending, err
}

// AsCompleted yields the futures as they complete, the first done first
// (CPython's as_completed). When ctx ends before all are done it yields one
// last nil future with ctx's error.
func AsCompleted[T any](ctx context.Context, fs ...*Future[T]) iter.Seq2[*Future[T], error] {
	return func(yield func(*Future[T], error) bool) {
		ch := make(chan *Future[T], len(fs))
		for _, f := range fs {
			f.notify(ch)
		}
		defer func() {
			for _, f := range fs {
				f.unnotify(ch)
			}
		}()
		for range fs {
			select {
			case f := <-ch:
				if !yield(f, nil) {
					return
				}
			case <-ctx.Done():
				yield(nil, ctx.Err())
				return
			}
		}
	}
}
