package mproc

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"mproc/internal/ring"
	"mproc/internal/wire"
)

// A pool worker is an mproc child running poolWorker: it takes tasks from
// its own queue, runs them, and puts the results on the pool's result
// queue. Its queue is its own so that the pool always knows which worker
// holds which task; the ring's Aux word says which it has started.

// workerArgs is what a worker starts with.
type workerArgs struct {
	Index    uint32
	Tasks    *Queue[[]byte]
	Results  *Queue[[]byte]
	Init     *poolInit      // the initializer, or nil
	MemLimit int64          // bytes of RSS above which the worker retires after a task
	Cancels  *Queue[[]byte] // ids of tasks given to it that the pool cancelled
}

var poolWorkerFunc = Register[workerArgs, None]("mproc.pool.worker", runPoolWorker)

// workerStartOptions are the process options of worker idx: the pool's
// WithWorkerOptions, then what makes it a pool worker.
func (c *poolConfig) workerStartOptions(idx uint32) []Option {
	return append(slices.Clip(c.workerOpts), WithDaemon(true), WithName(fmt.Sprintf("PoolWorker-%d", idx+1)))
}

// shareWriters makes the output writers of the workers' options that are
// not files take one Write at a time, since the copiers of all the workers
// share each of them; a writer given for both streams stays one writer, and
// so one lock, even across calls of WithWorkerOptions.
func shareWriters(opts []Option) []Option {
	cfg := newProcConfig(opts)
	out, errw := unlocked(cfg.stdout), unlocked(cfg.stderr)
	lockedOut, lockedErr := lockWriter(out), lockWriter(errw)
	if errw != nil && interfaceEqual(errw, out) {
		lockedErr = lockedOut
	}
	opts = slices.Clip(opts)
	if out != nil {
		opts = append(opts, WithStdout(lockedOut))
	}
	if errw != nil {
		opts = append(opts, WithStderr(lockedErr))
	}
	return opts
}

func lockWriter(w io.Writer) io.Writer {
	if _, isFile := w.(*os.File); w == nil || isFile {
		return w
	}
	return &syncWriter{w: w}
}

func unlocked(w io.Writer) io.Writer {
	if s, ok := w.(*syncWriter); ok {
		return s.w
	}
	return w
}

// Task kinds.
const (
	taskSingle byte = 1 // payload: the argument
	taskChunk  byte = 2 // payload: a []A; result: a []R
)

// Result statuses.
const (
	resultOK       byte = 0 // payload: the result
	resultFailed   byte = 1 // payload: a failure message
	resultInitFail byte = 2 // the initializer failed; payload: a failure message
	resultMarker   byte = 3 // put by the pool itself after a worker died
)

// A task message is one or more tasks, each: id, kind, absolute deadline
// (unix ns, 0: none), relative timeout (ns, 0: none), the lengths of the
// function's name and of the payload, the name, the payload. The pool puts
// the tasks it hands a worker at once in one message: a put and a get of
// the ring per batch, not per task. The worker stores the id of each task
// it starts in the ring's Aux word, so the pool still knows which it has
// started.
const taskHeader = 8 + 1 + 8 + 8 + 2 + 4

// appendTask appends a task to b (a buffer the caller reuses).
func appendTask(b []byte, id uint64, kind byte, deadline time.Time, timeout time.Duration, name string, payload []byte) []byte {
	var h [taskHeader]byte
	binary.LittleEndian.PutUint64(h[:], id)
	h[8] = kind
	if !deadline.IsZero() {
		binary.LittleEndian.PutUint64(h[9:], uint64(deadline.UnixNano()))
	}
	binary.LittleEndian.PutUint64(h[17:], uint64(timeout))
	binary.LittleEndian.PutUint16(h[25:], uint16(len(name)))
	binary.LittleEndian.PutUint32(h[27:], uint32(len(payload)))
	return append(append(append(b, h[:]...), name...), payload...)
}

type taskMsg struct {
	id       uint64
	kind     byte
	deadline int64
	timeout  time.Duration
	name     []byte // the worker looks it up without making a string of it
	payload  []byte
}

// decodeTask decodes the first task of b and returns the rest of b.
func decodeTask(b []byte) (taskMsg, []byte, error) {
	if len(b) < taskHeader {
		return taskMsg{}, nil, fmt.Errorf("%w: short task", wire.ErrCorrupt)
	}
	n := int(binary.LittleEndian.Uint16(b[25:]))
	m := int(binary.LittleEndian.Uint32(b[27:]))
	if len(b)-taskHeader < n+m {
		return taskMsg{}, nil, fmt.Errorf("%w: task of %d bytes in %d", wire.ErrCorrupt, n+m, len(b)-taskHeader)
	}
	end := taskHeader + n + m
	return taskMsg{
		id:       binary.LittleEndian.Uint64(b),
		kind:     b[8],
		deadline: int64(binary.LittleEndian.Uint64(b[9:])),
		timeout:  time.Duration(binary.LittleEndian.Uint64(b[17:])),
		name:     b[taskHeader : taskHeader+n : taskHeader+n],
		payload:  b[taskHeader+n : end : end],
	}, b[end:], nil
}

// A result message: task id, status, the worker's RSS (0: not measured),
// the worker's index, how long the task ran (ns), the payload.
const resultHeader = 8 + 1 + 8 + 4 + 8

func encodeResult(id uint64, status byte, rss int64, worker uint32, took time.Duration, payload []byte) []byte {
	return appendResult(make([]byte, 0, resultHeader+len(payload)), id, status, rss, worker, took, payload)
}

// appendResult appends a result message to b (a buffer the caller reuses).
func appendResult(b []byte, id uint64, status byte, rss int64, worker uint32, took time.Duration, payload []byte) []byte {
	var h [resultHeader]byte
	binary.LittleEndian.PutUint64(h[:], id)
	h[8] = status
	binary.LittleEndian.PutUint64(h[9:], uint64(rss))
	binary.LittleEndian.PutUint32(h[17:], worker)
	binary.LittleEndian.PutUint64(h[21:], uint64(took))
	return append(append(b, h[:]...), payload...)
}

type resultMsg struct {
	id      uint64
	status  byte
	rss     int64
	worker  uint32
	took    time.Duration // the task's run time, as the worker timed it
	payload []byte
}

func decodeResult(b []byte) (resultMsg, error) {
	if len(b) < resultHeader {
		return resultMsg{}, fmt.Errorf("%w: short result", wire.ErrCorrupt)
	}
	return resultMsg{
		id:      binary.LittleEndian.Uint64(b),
		status:  b[8],
		rss:     int64(binary.LittleEndian.Uint64(b[9:])),
		worker:  binary.LittleEndian.Uint32(b[17:]),
		took:    max(time.Duration(binary.LittleEndian.Uint64(b[21:])), 0),
		payload: b[resultHeader:],
	}, nil
}

// runPoolWorker is a worker's life: the initializer, then tasks until its
// queue is closed (the pool retires it) or its memory grows past the limit.
func runPoolWorker(ctx context.Context, a workerArgs) error {
	if a.Init != nil {
		if err := a.Init.run(ctx); err != nil {
			a.Results.Put(ctx, encodeResult(0, resultInitFail, 0, a.Index, 0, encodeMsg(newFailure(err))))
			return err
		}
	}
	w := &workerLoop{a: a, funcs: map[string]registered{}, tctx: newTaskContexts(ctx)}
	defer w.tctx.stop()
	if a.Cancels != nil {
		go w.tctx.cancels.watch(ctx, a.Cancels)
	}
	for {
		var batch []byte
		err := a.Tasks.r.Get(ctx, ring.Options{Spin: poolSpin}, func(b []byte, _ uint16) error {
			// A copy of its own for each batch, never reused: a decoded
			// argument may keep its bytes.
			batch = append([]byte(nil), b...)
			return nil
		})
		if errors.Is(err, ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		if done, err := w.runBatch(ctx, batch); done || err != nil {
			return err
		}
	}
}

// workerLoop is a pool worker's state from task to task.
type workerLoop struct {
	a      workerArgs
	funcs  map[string]registered // the functions run so far, by name
	tctx   *taskContexts
	result []byte // the result message being built, reused
}

// runBatch runs the tasks of one message in order, each result put as
// soon as it is there; done means the worker is to retire.
func (w *workerLoop) runBatch(ctx context.Context, batch []byte) (done bool, err error) {
	a := w.a
	for len(batch) > 0 {
		var t taskMsg
		if t, batch, err = decodeTask(batch); err != nil {
			return true, err
		}
		// Before it starts: the pool reads it to tell a task that ran
		// from one that did not (when the worker dies, or a deadline
		// passes) and to say what the worker is doing.
		atomic.StoreUint64(a.Tasks.r.Aux(), t.id)
		start := time.Now()
		status, payload := w.tctx.run(t, w.funcs)
		took := time.Since(start)
		var rss int64
		if a.MemLimit > 0 {
			rss = residentBytes()
		}
		w.result = appendResult(w.result[:0], t.id, status, rss, a.Index, took, payload)
		err := a.Results.r.Put(ctx, w.result, ring.Options{})
		w.result = reuse(w.result, false)
		if err != nil {
			return true, err
		}
		if a.MemLimit > 0 && rss > a.MemLimit {
			return true, nil // retire; the pool starts another, and runs the rest of the batch elsewhere
		}
	}
	return false, nil
}

// taskContexts makes the contexts tasks run with. Tasks share one context,
// the epoch, a child of the worker's, until the pool cancels the one that
// runs: then the epoch is cancelled, and the next task gets a new one.
// Tasks submitted under one ctx share its deadline, and so one context with
// that deadline (and its timer), under the epoch; each task gets a child of
// it, cancelled when the task returns. A task without a deadline or
// timeout, and one whose target takes no context (nothing could see a
// context of its own), gets the epoch. (A context and a timer per task
// were most of what a tiny task cost the worker.)
type taskContexts struct {
	base     context.Context
	epoch    context.Context
	endEpoch context.CancelFunc
	cancels  taskCancels
	at       int64 // the shared deadline (unix ns), or 0
	shared   context.Context
	cancel   context.CancelFunc
}

func newTaskContexts(base context.Context) *taskContexts {
	c := &taskContexts{base: base}
	c.epoch, c.endEpoch = context.WithCancel(base)
	return c
}

// run runs a task, unless the pool cancelled it before it started.
func (c *taskContexts) run(t taskMsg, funcs map[string]registered) (byte, []byte) {
	if !c.cancels.begin(t.id, c.endEpoch) {
		return resultFailed, encodeMsg(newFailure(ErrCancelled))
	}
	status, payload := runTask(c, t, funcs)
	if c.cancels.finish() {
		c.close() // the shared deadline's context is the old epoch's
		c.epoch, c.endEpoch = context.WithCancel(c.base)
	}
	return status, payload
}

// stop releases the contexts at the worker's end.
func (c *taskContexts) stop() {
	c.close()
	c.endEpoch()
}

// forTask returns the context a task runs with and what ends it.
func (c *taskContexts) forTask(t taskMsg, reg registered) (context.Context, context.CancelFunc) {
	if !reg.usesCtx() || t.deadline == 0 && t.timeout <= 0 {
		return c.epoch, func() {}
	}
	ctx := c.epoch
	if t.deadline != 0 {
		if t.deadline != c.at {
			c.close()
			c.shared, c.cancel = context.WithDeadline(c.epoch, time.Unix(0, t.deadline))
			c.at = t.deadline
		}
		ctx = c.shared
	}
	if t.timeout > 0 {
		return context.WithTimeout(ctx, t.timeout)
	}
	return context.WithCancel(ctx)
}

// close releases the shared deadline's context.
func (c *taskContexts) close() {
	if c.cancel != nil {
		c.cancel()
		c.shared, c.cancel, c.at = nil, nil, 0
	}
}

// runTask runs one task and returns its result message's status and payload.
func runTask(tctx *taskContexts, t taskMsg, funcs map[string]registered) (byte, []byte) {
	reg, ok := funcs[string(t.name)]
	if !ok {
		name := string(t.name)
		if reg, ok = lookup(name); !ok {
			return resultFailed, encodeMsg(newFailure(fmt.Errorf("%w: %q in the worker", ErrNotRegistered, name)))
		}
		funcs[name] = reg
	}
	ctx, cancel := tctx.forTask(t, reg)
	defer cancel()
	var out []byte
	var err error
	switch t.kind {
	case taskSingle:
		var run func(context.Context) (outcome, error)
		if run, err = reg.decodeArg(t.payload); err == nil {
			var o outcome
			if o, err = run(ctx); err == nil {
				out, err = o.payload, sharedInPool(o.att)
			}
		}
	case taskChunk:
		out, err = reg.runChunk(ctx, t.payload)
	default:
		err = fmt.Errorf("%w: task kind %d", wire.ErrCorrupt, t.kind)
	}
	if err != nil {
		return resultFailed, encodeMsg(newFailure(err))
	}
	return resultOK, out
}

// sharedInPool refuses results that hold shared objects: a pool's messages
// carry bytes only (as CPython's pools can't pickle a Lock either).
func sharedInPool(at *attachments) error {
	defer at.release() // the result is refused: nothing is sent
	if at.empty() {
		return nil
	}
	return fmt.Errorf("%w: shared objects (Lock, Queue, Conn...) can't travel in pool tasks; pass them to the pool's initializer or to a Process", ErrUnencodable)
}

// residentBytes is this process's resident set size, from /proc/self/statm.
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}
