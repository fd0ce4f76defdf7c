package mproc

import (
	"context"
	"fmt"
	"iter"
	"reflect"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
)

// Submit runs f(arg) on ex (a Pool's worker process or a GoExecutor's
// goroutine) and returns its Future (CPython's apply_async and
// executor.submit). A deadline on ctx is the task's deadline: its context
// in the worker ends then, and a pool kills a worker that runs on past its
// grace period. An argument that can't be sent fails the future at once.
func (f *Func[A, R]) Submit(ctx context.Context, ex Executor, arg A) *Future[R] {
	fut := newFuture[R](allowCancel)
	fut.callbacks = ex.callbackGroup()
	j := &singleJob[A, R]{f: f, arg: arg, fut: fut}
	t := &j.task
	t.name, t.kind, t.ctx, t.job = f.name, taskSingle, ctx, j
	if d, ok := ctx.Deadline(); ok {
		t.deadline = d
	}
	if encodesForWorkers(ex) {
		t.payload, t.err = f.encodeForPool(arg)
	}
	if t.err == nil && ctx.Err() != nil {
		t.err = gaveUp(ctx, ErrTimeout)
	}
	ex.execute(t)
	return fut
}

// allowCancel lets Cancel withdraw a task that has not started.
func allowCancel() bool { return true }

// singleJob is a Submit: one call of f. Its task is part of it, so that a
// Submit allocates one object for both.
type singleJob[A, R any] struct {
	task execTask
	f    *Func[A, R]
	arg  A
	fut  *Future[R]
}

func (j *singleJob[A, R]) start() bool { return j.fut.start() }

func (j *singleJob[A, R]) finish(b []byte, err error) {
	if err != nil {
		var zero R
		j.fut.complete(zero, err)
		return
	}
	j.fut.complete(j.f.res.DecodeCopy(b))
}

func (j *singleJob[A, R]) run(ctx context.Context) { j.fut.complete(j.f.safeCall(ctx, j.arg)) }

// encodeForPool encodes an argument for a worker process: a copy (the
// task may wait while the caller changes arg), and no shared objects.
func (f *Func[A, R]) encodeForPool(arg A) ([]byte, error) {
	if arg, _ := f.shared(); arg {
		// attachmentsOfCopy, not &arg: that would move arg to the heap on
		// every call, of any type.
		if err := sharedInPool(attachmentsOfCopy(arg)); err != nil {
			return nil, err
		}
	}
	return f.arg.EncodeCopy(arg)
}

// Apply runs f(arg) on ex and waits for the result (CPython's apply).
func (f *Func[A, R]) Apply(ctx context.Context, ex Executor, arg A) (R, error) {
	if p, ok := ex.(*Pool); ok {
		// The caller takes its result off the pool's queue itself: see
		// resultReader.
		p.rr.pollers.Add(1)
		fut := f.Submit(ctx, ex, arg)
		p.pollFor(fut.ready.Load)
		return fut.Get(ctx)
	}
	return f.Submit(ctx, ex, arg).Get(ctx)
}

// MapOption configures Map and its kin.
type MapOption func(*mapConfig)

type mapConfig struct {
	chunk    int
	inFlight int
	progress func(done, total int)
}

// WithChunk sends arguments to workers n at a time (CPython's chunksize): one
// message and one result per chunk. Map's default is CPython's: the input
// spread over four chunks per worker; Imap's is 1.
func WithChunk(n int) MapOption { return func(c *mapConfig) { c.chunk = n } }

// WithProgress calls fn(done, total) as Map's results come in, from one chunk
// to the next (mpire's progress bar): done counts the arguments whose
// results have arrived. Calls are serialized and in increasing order of
// done, the last with done == total.
func WithProgress(fn func(done, total int)) MapOption { return func(c *mapConfig) { c.progress = fn } }

// WithInFlight bounds how many chunks Imap and ImapUnordered keep submitted
// ahead of what has been consumed (default: twice the workers).
func WithInFlight(n int) MapOption { return func(c *mapConfig) { c.inFlight = n } }

func mapOptions(ex Executor, n int, defaultChunk bool, opts []MapOption) mapConfig {
	c := mapConfig{inFlight: 2 * ex.workerCount()}
	for _, o := range opts {
		o(&c)
	}
	if c.chunk <= 0 {
		c.chunk = 1
		if defaultChunk { // CPython: chunksize, extra = divmod(n, len(pool) * 4)
			w := 4 * ex.workerCount()
			c.chunk = max(1, (n+w-1)/w)
		}
	}
	c.inFlight = max(c.inFlight, 1)
	return c
}

// Map runs f on every argument on ex and returns the results in order
// (CPython's map). It fails fast: the first error (a task's, or a lost
// worker's) is Map's, chunks not yet started are skipped, and those running
// are cancelled: their task's ctx ends, in the worker process or on the
// executor's goroutine (a task that ignores its ctx runs to its end, and
// its result is dropped). When ctx ends first, Map returns ctx's error and
// cancels its chunks the same way. An empty input gives an empty result.
func (f *Func[A, R]) Map(ctx context.Context, ex Executor, args []A, opts ...MapOption) ([]R, error) {
	fut := f.MapAsync(ctx, ex, args, opts...)
	rs, err := fut.Get(ctx)
	if err != nil {
		fut.Cancel() // ctx ended: nobody will collect the rest
	}
	return rs, err
}

// MapAsync is Map that returns at once with the Future of the results
// (CPython's map_async). It fails fast as Map does, and its Cancel stops
// the Map in the same way.
func (f *Func[A, R]) MapAsync(ctx context.Context, ex Executor, args []A, opts ...MapOption) *Future[[]R] {
	cfg := mapOptions(ex, len(args), true, opts)
	run := newMapRun(ctx, ex)
	fut := newFuture[[]R](func() bool { run.failed.Store(true); return true })
	fut.abort = run.stopRunning
	fut.callbacks = ex.callbackGroup()
	out := make([]R, len(args))
	if len(args) == 0 {
		run.cancel()
		fut.complete(out, nil)
		return fut
	}
	var mu sync.Mutex // orders completions: progress, then the future
	finished := 0
	done := func(n int, err error) {
		mu.Lock()
		if err != nil {
			first := !run.failed.Swap(true)
			if first {
				fut.complete(nil, err)
			}
			mu.Unlock()
			if first { // outside mu: stopping completes chunks, whose done takes it
				run.stopRunning()
			}
			return
		}
		defer mu.Unlock()
		finished += n
		if cfg.progress != nil && !run.failed.Load() {
			cfg.progress(finished, len(args))
		}
		if finished == len(args) {
			run.cancel() // nothing runs with its ctx any more
			fut.complete(out, nil)
		}
	}
	pool := encodesForWorkers(ex)
	for lo := 0; lo < len(args); lo += cfg.chunk {
		hi := min(lo+cfg.chunk, len(args))
		run.tasks = append(run.tasks, f.chunkTask(run, args[lo:hi], out[lo:hi], pool, func(err error) { done(hi-lo, err) }))
	}
	for _, t := range run.tasks { // all made first: a failure may cancel them while these run
		ex.execute(t)
	}
	return fut
}

// chunkTask is one chunk of a Map: the arguments in, the results into dst.
func (f *Func[A, R]) chunkTask(run *mapRun, args []A, dst []R, pool bool, done func(error)) *execTask {
	ctx := run.ctx
	t := &execTask{name: f.name, kind: taskChunk, ctx: ctx, job: &chunkJob[A, R]{f, args, dst, &run.failed, done}}
	if d, ok := ctx.Deadline(); ok {
		t.deadline = d
	}
	if ctx.Err() != nil {
		t.err = gaveUp(ctx, ErrTimeout)
		return t
	}
	ac, _ := f.chunkCoders()
	if pool {
		if arg, _ := f.shared(); arg {
			t.err = sharedInPool(attachmentsOf(reflect.ValueOf(&args).Elem()))
		}
		if t.err == nil {
			t.payload, t.err = ac.EncodeCopy(args)
		}
	}
	return t
}

// chunkJob is one chunk of a Map.
type chunkJob[A, R any] struct {
	f      *Func[A, R]
	args   []A
	dst    []R
	failed *atomic.Bool
	done   func(error)
}

func (j *chunkJob[A, R]) start() bool { return !j.failed.Load() }

func (j *chunkJob[A, R]) finish(b []byte, err error) {
	if err == nil {
		_, rc := j.f.chunkCoders()
		var rs []R
		if rs, err = rc.DecodeCopy(b); err == nil && len(rs) != len(j.dst) {
			err = fmt.Errorf("mproc: a chunk of %d arguments came back with %d results", len(j.dst), len(rs))
		}
		copy(j.dst, rs)
	}
	j.done(err)
}

// run runs the chunk here; once ctx ends (the Map failed) the arguments
// left are not started.
func (j *chunkJob[A, R]) run(ctx context.Context) {
	for i, a := range j.args {
		if i > 0 && ctx.Err() != nil {
			j.done(gaveUp(ctx, ErrTimeout))
			return
		}
		r, err := j.f.safeCall(ctx, a)
		if err != nil {
			j.done(err)
			return
		}
		j.dst[i] = r
	}
	j.done(nil)
}

// Imap runs f on the arguments as it reads them and yields the results in
// order (CPython's imap): it reads the input lazily and keeps at most
// InFlight chunks submitted ahead of the consumer. A failed task yields its
// error in its place; iteration goes on unless the consumer stops. When ctx
// ends, one last error (ctx's, and ErrTimeout at a deadline) ends it.
// Stopping early cancels the chunks not yet done, as a failed Map does.
//
// A panic in the input ends it as an error would in ImapSeq2: the results
// of the items read before it come out, then a *PanicError.
func (f *Func[A, R]) Imap(ctx context.Context, ex Executor, args iter.Seq[A], opts ...MapOption) iter.Seq2[R, error] {
	return f.imap(ctx, ex, noErrors(args), opts, true)
}

// ImapUnordered is Imap yielding results as they complete (CPython's
// imap_unordered).
func (f *Func[A, R]) ImapUnordered(ctx context.Context, ex Executor, args iter.Seq[A], opts ...MapOption) iter.Seq2[R, error] {
	return f.imap(ctx, ex, noErrors(args), opts, false)
}

// ImapSeq2 is Imap over an input that can fail: arguments paired with
// errors, the iter.Seq2[A, error] shape of a reader in Go. The input's
// first error ends it: it is not read further, the results of the items
// before the error are yielded, then the error, and the iteration ends.
//
// Imap keeps taking an iter.Seq, the shape of slices.Values and of most
// inputs; a Seq has no way to carry an error, and an adapter turning a
// Seq2 into one would have to panic to end it, so a failing input gets
// this method (and ImapUnorderedSeq2) rather than an adapter.
func (f *Func[A, R]) ImapSeq2(ctx context.Context, ex Executor, args iter.Seq2[A, error], opts ...MapOption) iter.Seq2[R, error] {
	return f.imap(ctx, ex, args, opts, true)
}

// ImapUnorderedSeq2 is ImapSeq2 yielding results as they complete; the
// input's error still comes after the results of every item before it.
func (f *Func[A, R]) ImapUnorderedSeq2(ctx context.Context, ex Executor, args iter.Seq2[A, error], opts ...MapOption) iter.Seq2[R, error] {
	return f.imap(ctx, ex, args, opts, false)
}

// noErrors is seq as an input that never fails.
func noErrors[A any](seq iter.Seq[A]) iter.Seq2[A, error] {
	return func(yield func(A, error) bool) {
		for a := range seq {
			if !yield(a, nil) {
				return
			}
		}
	}
}

// guardInput is seq with a panic turned into its last item, a *PanicError
// with the input's own stack: the input runs on a coroutine, whose panic
// would otherwise unwind the consumer's goroutine. A panic after the
// consumer stopped it (in the input's cleanup) has no one to go to, and is
// dropped.
func guardInput[A any](seq iter.Seq2[A, error]) iter.Seq2[A, error] {
	return func(yield func(A, error) bool) {
		stopped := false
		defer func() {
			if v := recover(); v != nil && !stopped {
				var zero A
				yield(zero, &PanicError{Value: v, Stack: string(debug.Stack())})
			}
		}()
		seq(func(a A, err error) bool {
			stopped = !yield(a, err)
			return !stopped
		})
	}
}

func (f *Func[A, R]) imap(ctx context.Context, ex Executor, args iter.Seq2[A, error], opts []MapOption, ordered bool) iter.Seq2[R, error] {
	return func(yield func(R, error) bool) {
		cfg := mapOptions(ex, 0, false, opts)
		next, stop := iter.Pull2(guardInput(args))
		defer stop()
		var inErr error // what ended the input, if it failed
		submit := func() *Future[[]R] {
			var chunk []A
			for inErr == nil && len(chunk) < cfg.chunk {
				a, err, ok := next()
				if !ok {
					break
				}
				if err != nil {
					inErr = err
					break
				}
				chunk = append(chunk, a)
			}
			if len(chunk) == 0 {
				return nil
			}
			return f.MapAsync(ctx, ex, chunk, WithChunk(len(chunk)))
		}
		w := newWindow(ordered, submit)
		defer w.cancel()
		var zero R
		for w.fill(cfg.inFlight); ; w.fill(cfg.inFlight) {
			fut, err := w.next(ctx)
			if fut == nil && err == nil {
				if inErr != nil { // after every result of the items before it
					yield(zero, inErr)
				}
				return
			}
			var rs []R
			if err == nil {
				rs, err = fut.Get(ctx)
			}
			if ctx.Err() != nil { // nothing more will come: one error ends it
				yield(zero, gaveUp(ctx, ErrTimeout))
				return
			}
			if err != nil {
				if !yield(zero, err) {
					return
				}
				continue
			}
			for _, r := range rs {
				if !yield(r, nil) {
					return
				}
			}
		}
	}
}

// window is Imap's chunks in flight.
type window[R any] struct {
	ordered bool
	submit  func() *Future[R]
	futs    []*Future[R]
	done    chan *Future[R]
	out     bool // the input has ended
}

func newWindow[R any](ordered bool, submit func() *Future[R]) *window[R] {
	return &window[R]{ordered: ordered, submit: submit}
}

func (w *window[R]) fill(n int) {
	if w.done == nil {
		w.done = make(chan *Future[R], n) // a future leaves the window before its slot is refilled
	}
	for !w.out && len(w.futs) < n {
		f := w.submit()
		if f == nil {
			w.out = true
			return
		}
		w.futs = append(w.futs, f)
		if !w.ordered {
			f.notify(w.done)
		}
	}
}

// next returns the next chunk to yield: the oldest, or the first done; nil
// when none is left, or ctx's error when it ends first.
//
// An unordered window's futures send themselves to done as they complete,
// and each stays in futs until received, so done's room (the largest
// window) always takes the send: a completion never blocks.
func (w *window[R]) next(ctx context.Context) (*Future[R], error) {
	if len(w.futs) == 0 {
		return nil, nil
	}
	if w.ordered {
		f := w.futs[0]
		w.futs = w.futs[1:]
		return f, nil
	}
	select {
	case f := <-w.done:
		w.futs = slices.DeleteFunc(w.futs, func(g *Future[R]) bool { return g == f })
		return f, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (w *window[R]) cancel() {
	for _, f := range w.futs {
		if !w.ordered {
			f.unnotify(w.done)
		}
		f.Cancel()
	}
}
