package mproc

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Pool is a pool of worker processes (CPython's multiprocessing.Pool) that
// run registered functions: Apply, Submit, Map, Imap and the rest are
// methods of Func, which take the pool as their Executor.
//
// Unlike CPython's, it survives its workers: a worker that dies in the
// middle of a task (killed, crashed, out of memory) fails that task with a
// *WorkerLostError, or runs it again elsewhere (WithRetries), and is
// replaced; the other tasks go on. A task can have a deadline
// (WithTaskTimeout, or the ctx given to Submit): its context is cancelled in
// the worker, and a worker that does not return within the grace period is
// killed and replaced. Workers can be recycled after a number of tasks
// (WithMaxTasksPerChild) or above a memory size (WithMaxMemory).
//
// Each worker has its own queue of tasks, so the pool always knows which
// worker runs which task.
type Pool struct {
	cfg     poolConfig
	results *Queue[[]byte]
	stopped chan struct{} // closed when the pool has ended

	// The scheduler's state, guarded by mu: callers (Submit, the result
	// reader, worker watchers, the deadline timer) run its handlers
	// directly, without a hop to a scheduler goroutine.
	mu          sync.Mutex
	ended       bool
	completions []completion  // futures to complete once mu is released
	workers     []*poolWorker // in the order they started
	nextWorker  uint32
	queue       []*execTask
	running     int // tasks out with workers: the sum of their inflight lists
	nextTask    uint64
	closing     bool
	terminated  bool
	broken      error // the initializer failed: no more workers
	timer       *time.Timer
	timerAt     time.Time    // when timer fires, or zero: see armTimer
	queueDue    time.Time    // the earliest deadline of a queued task, or zero
	clock       uint64       // counts finished tasks: which worker was busy last
	busy        atomic.Int64 // tasks out with workers: the result reader polls while there are
	rr          resultReader // what takes the results off results

	callbacks callbackGroup // OnDone callbacks of this pool's futures, which Join waits for

	// What Insights reports, recorded under mu as the pool goes.
	born        time.Time
	tasksDone   int
	tasksFailed int
	taskTime    durHist
	queueWait   durHist
	restarts    map[string]int  // workers replaced, by reason
	gone        []WorkerInsight // the latest keptEnded workers that ended
}

// PoolOption configures a pool.
type PoolOption func(*poolConfig)

type poolConfig struct {
	workers     int
	init        *poolInit
	initErr     error
	maxTasks    int
	maxMemory   int64
	taskTimeout time.Duration
	grace       time.Duration
	retries     int
	workerOpts  []Option
}

// WithWorkers sets the number of worker processes (default runtime.NumCPU()).
func WithWorkers(n int) PoolOption { return func(c *poolConfig) { c.workers = n } }

// WithInitializer runs init(arg) in each worker before its first task
// (CPython's initializer and initargs). If it fails, the pool fails every
// task with its error. arg may hold shared objects (a Value, a Lock, a
// Queue): each worker gets them, and keeps them for its life, which is how
// tasks reach shared objects (tasks themselves may not carry them).
func WithInitializer[A any](init *Func[A, None], arg A) PoolOption {
	return func(c *poolConfig) { c.init, c.initErr = newPoolInit(init, arg) }
}

// WithMaxTasksPerChild retires each worker after n tasks and starts its
// replacement as it gets its last one, so recycling never stalls the pool.
func WithMaxTasksPerChild(n int) PoolOption { return func(c *poolConfig) { c.maxTasks = n } }

// WithMaxMemory retires a worker whose resident memory has grown past bytes,
// after the task that took it there.
func WithMaxMemory(bytes int64) PoolOption { return func(c *poolConfig) { c.maxMemory = bytes } }

// WithTaskTimeout bounds every task: its context is cancelled in the worker
// at d, and after the grace period (WithTaskGrace) the worker is killed and
// replaced; the Future fails with ErrTimeout either way.
func WithTaskTimeout(d time.Duration) PoolOption { return func(c *poolConfig) { c.taskTimeout = d } }

// WithTaskGrace is how long a task may run after its deadline before its
// worker is killed (default 1 s).
func WithTaskGrace(d time.Duration) PoolOption { return func(c *poolConfig) { c.grace = d } }

// WithRetries runs a task whose worker died again on another worker, up to
// n times, before failing it with *WorkerLostError.
func WithRetries(n int) PoolOption { return func(c *poolConfig) { c.retries = n } }

// WithWorkerOptions gives every worker process of the pool these process
// options: WithStartTimeout, WithStdout and WithStderr, WithAuthKey. The
// pool's own choices come last and win: workers are daemons named
// PoolWorker-N. A writer that is not a file is shared by all the workers,
// so its Write calls are made one at a time.
//
// It takes the Options that Start takes rather than repeating each as a
// PoolOption of its own: a worker is a process like any other, its options
// mean the same thing, and a process option added later works for workers
// without a second name.
func WithWorkerOptions(opts ...Option) PoolOption {
	return func(c *poolConfig) { c.workerOpts = shareWriters(append(c.workerOpts, opts...)) }
}

// poolResultBuffer is the shared memory results come back through.
const poolResultBuffer = 16 << 20

// NewPool starts a pool of worker processes.
func NewPool(ctx context.Context, opts ...PoolOption) (*Pool, error) {
	cfg := poolConfig{workers: runtime.NumCPU(), grace: defaultTerminateGrace}
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case cfg.workers < 1:
		return nil, fmt.Errorf("mproc: a pool needs at least one worker, not %d", cfg.workers)
	case cfg.maxTasks < 0:
		return nil, fmt.Errorf("mproc: max tasks per child must be positive (or 0 for no limit), not %d", cfg.maxTasks)
	case cfg.maxMemory < 0, cfg.taskTimeout < 0, cfg.grace < 0, cfg.retries < 0:
		return nil, errors.New("mproc: pool limits must not be negative")
	case cfg.initErr != nil:
		return nil, fmt.Errorf("mproc: the initializer's argument: %w", cfg.initErr)
	}
	if err := canStart(); err != nil {
		return nil, err
	}
	results, err := NewQueue[[]byte](0, WithQueueBuffer(poolResultBuffer))
	if err != nil {
		return nil, err
	}
	p := &Pool{
		cfg: cfg, results: results,
		stopped: make(chan struct{}),
		born:    time.Now(),
		rr:      resultReader{wake: make(chan struct{}, 1)},
	}
	started := make(chan error, cfg.workers)
	p.mu.Lock() // the workers' goroutines run the scheduler as soon as they start
	for range cfg.workers {
		p.startWorkerThen(started)
	}
	p.mu.Unlock()
	go p.readResults()
	for range cfg.workers { // CPython's Pool returns with its workers running
		select {
		case err := <-started:
			if err != nil {
				p.Terminate()
				return nil, err
			}
		case <-ctx.Done():
			p.Terminate()
			return nil, ctx.Err()
		}
	}
	return p, nil
}

// do runs the scheduler handler f, then hands out queued tasks, then
// completes the futures f finished (outside the lock: their completion runs
// callers' code). false means the pool has ended.
func (p *Pool) do(f func()) bool {
	_, ok := p.doWith(f, nil)
	return ok
}

// doWith is do with buf for the completions, returned empty for the next
// call: the result reader completes a batch of futures every time, and
// growing a new slice for each batch was a tenth of its allocations.
func (p *Pool) doWith(f func(), buf []completion) ([]completion, bool) {
	p.mu.Lock()
	if p.ended {
		p.mu.Unlock()
		return buf, false
	}
	p.completions = append(buf[:0], p.completions...) // none, unless a handler ran outside do
	f()
	p.dispatch()
	p.busy.Store(int64(p.running))
	ended := false
	if p.finished() {
		p.ended, ended = true, true
		p.results.Close()
		close(p.stopped)
	}
	done := p.completions
	p.completions = nil
	p.mu.Unlock()
	// The reader goroutine is wanted back on the result queue when results
	// are due that no caller polls for, or to see the pool's end.
	if ended || p.busy.Load() > 0 && p.rr.pollers.Load() == 0 {
		p.wakeReader()
	}
	for _, c := range done {
		c.t.job.finish(c.result, c.err)
	}
	clear(done) // keeps no task or result reachable
	return done[:0], true
}

// completion is a task's outcome, delivered once the lock is released.
type completion struct {
	t      *execTask
	result []byte
	err    error
}

// finish completes a task's future once the lock is released.
func (p *Pool) finish(t *execTask, result []byte, err error) {
	p.completions = append(p.completions, completion{t, result, err})
}

func (p *Pool) workerCount() int { return p.cfg.workers }

// execute queues a task (Executor).
func (p *Pool) execute(t *execTask) {
	if t.err != nil {
		t.job.finish(nil, t.err)
		return
	}
	t.queued = time.Now() // outside the lock
	if !p.do(func() {
		if p.closing || p.terminated || p.broken != nil {
			p.finish(t, nil, p.notRunning())
			return
		}
		p.queue = append(p.queue, t)
		if !t.deadline.IsZero() && (p.queueDue.IsZero() || t.deadline.Before(p.queueDue)) {
			p.queueDue = t.deadline
			p.armTimer(p.queueDue)
		}
	}) {
		t.job.finish(nil, ErrClosed)
	}
}

func (p *Pool) notRunning() error {
	switch {
	case p.broken != nil:
		return p.broken
	case p.terminated:
		return ErrTerminated
	}
	return fmt.Errorf("%w: the pool is closed", ErrClosed)
}

// Close stops the pool from taking tasks; the workers end once the tasks
// already submitted are done. Then Join returns.
func (p *Pool) Close() error {
	p.do(func() { p.closing = true })
	return nil
}

// Terminate stops the pool at once (CPython's terminate): every task not
// yet done fails with ErrTerminated, the workers are killed (SIGKILL: a
// task's ctx is not cancelled first, and a worker can't ignore it), and it
// returns once each of them has exited and been reaped, as CPython's joins
// them. That takes milliseconds; should the kernel not end a worker within
// 10 s (a process stuck in uninterruptible I/O), Terminate gives up with an
// error matching ErrTimeout, and Join waits for the rest.
//
// It waits for the pool's result reader, so a WithProgress callback, which
// runs there, must not call it.
func (p *Pool) Terminate() error {
	p.do(p.terminate)
	t := time.NewTimer(terminateWait)
	defer t.Stop()
	select {
	case <-p.stopped:
		return nil
	case <-t.C:
		return fmt.Errorf("%w: pool workers still running %v after Terminate killed them", ErrTimeout, terminateWait)
	}
}

// terminateWait bounds how long Terminate waits for killed workers to be
// reaped: SIGKILL ends a process at once, unless the kernel holds it.
const terminateWait = 10 * time.Second

// Join waits for the workers to end after Close or Terminate, and for the
// OnDone callbacks of the pool's tasks to return (joining a running pool is
// an error, as in CPython).
func (p *Pool) Join(ctx context.Context) error {
	var open bool
	if p.do(func() { open = !p.closing && !p.terminated }) && open {
		return errors.New("mproc: Join of a running pool: call Close or Terminate first")
	}
	select {
	case <-p.stopped:
	case <-ctx.Done():
		return ctx.Err()
	}
	return p.callbacks.wait(ctx)
}

// waitGroup waits for wg as long as ctx allows.
func waitGroup(ctx context.Context, wg *sync.WaitGroup) error {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Pool) callbackGroup() *callbackGroup { return &p.callbacks }

// Shutdown closes the pool and waits for it (Executor).
func (p *Pool) Shutdown(ctx context.Context) error {
	p.Close()
	return p.Join(ctx)
}

// CancelPending cancels the tasks no worker has taken yet (their futures
// fail with ErrCancelled) and says how many there were (Executor).
func (p *Pool) CancelPending() int {
	n := 0
	p.do(func() {
		n = len(p.queue)
		for _, t := range p.queue {
			p.finish(t, nil, ErrCancelled)
		}
		p.queue = nil
	})
	return n
}

// WorkerInfo says what a worker is doing.
type WorkerInfo struct {
	Pid   int       // 0 while it starts
	Task  string    // the function it runs, or "" when idle
	Since time.Time // when it took that task (as the pool saw it)
	Done  int       // tasks it has finished
}

// Workers lists the pool's workers and what each is doing.
func (p *Pool) Workers() []WorkerInfo {
	var out []WorkerInfo
	p.do(func() {
		for _, w := range p.sortedWorkers() {
			out = append(out, w.info())
		}
	})
	return out
}

// WorkerLostError is the error of a task whose worker died while running it.
type WorkerLostError struct {
	Pid    int
	Code   int // the worker's exit code: -N for signal N
	Signal int // the signal that ended it, or 0
	Task   string
}

func (e *WorkerLostError) Error() string {
	if e.Signal != 0 {
		return fmt.Sprintf("mproc: the worker (pid %d) running %s was killed by signal %d", e.Pid, e.Task, e.Signal)
	}
	return fmt.Sprintf("mproc: the worker (pid %d) running %s exited with code %d", e.Pid, e.Task, e.Code)
}
