package mproc

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync/atomic"
	"time"

	"mproc/internal/ring"
)

// poolWorker is the scheduler's record of one worker.
type poolWorker struct {
	idx      uint32
	proc     *Proc[None] // nil while it starts
	tasks    *Queue[[]byte]
	cancels  *Queue[[]byte]     // ids of its tasks to cancel: see taskCancels; nil once it ended
	feed     chan []byte        // to the feeder; nil closes the worker's queue
	feeding  atomic.Int32       // messages given to the feeder and not yet put
	stopFeed context.CancelFunc // ends the feeder, and abandons a start in progress
	inflight taskList           // given to it, in order, results not yet back
	batch    []byte             // tasks assigned and not yet given: see flush
	assigned int
	done     int
	lastDone uint64 // the pool's clock when it last finished a task
	retiring bool   // gets no more tasks

	// What Insights reports.
	created, ready time.Time     // when its start began and ended
	busy           time.Duration // the run time of the tasks it finished
	rss, peakRSS   int64         // resident bytes when last seen, and the most seen
	endReason      string        // why it ends, when the pool knows before it does
}

// window is how many tasks a worker may hold at once. With few tasks
// waiting it is one, as with CPython's workers, which take the next task
// when they finish one: a short task never waits behind a long one while a
// worker is free. With many waiting, a worker holds more (up to maxWindow),
// so that it never waits for the pool between tiny tasks. With task
// timeouts it is one, so that a task's clock starts when it is handed over.
func (p *Pool) window() int {
	if p.cfg.taskTimeout > 0 {
		return 1
	}
	backlog := len(p.queue) / max(p.cfg.workers, 1)
	if backlog < 2 {
		return 1
	}
	return min(maxWindow, 1+backlog)
}

const maxWindow = 64

// maxBatch is the size past which a worker's batch of tasks is given
// without waiting for more: tiny tasks go 64 to a message, large ones one.
const maxBatch = 64 << 10

// poolTaskBuffer is the shared memory tasks go to a worker through.
const poolTaskBuffer = 4 << 20

// startWorker starts a worker process and its feeder; the queue exists at
// once, so tasks can be given to it while it starts.
func (p *Pool) startWorker() { p.startWorkerThen(nil) }

// startWorkerThen is startWorker that reports on started when the process
// has started (or failed to).
func (p *Pool) startWorkerThen(started chan<- error) {
	tasks, err := NewQueue[[]byte](0, WithQueueBuffer(poolTaskBuffer))
	if err != nil {
		p.fail(err)
		return
	}
	cancels, err := NewQueue[[]byte](0, WithQueueBuffer(ring.MinSize))
	if err != nil {
		tasks.Close()
		p.fail(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &poolWorker{idx: p.nextWorker, tasks: tasks, cancels: cancels, feed: make(chan []byte, maxWindow+1), stopFeed: cancel, created: time.Now()}
	p.nextWorker++
	p.workers = append(p.workers, w)
	go feed(ctx, w)
	args := workerArgs{Index: w.idx, Tasks: tasks, Results: p.results, Init: p.cfg.init, MemLimit: p.cfg.maxMemory, Cancels: cancels}
	go func() {
		// ctx: Terminate abandons a start, rather than wait for it to end.
		proc, err := poolWorkerFunc.Start(ctx, args, p.cfg.workerStartOptions(w.idx)...)
		if started != nil {
			started <- err
		}
		if err != nil {
			p.do(func() { p.lost(w, err) })
			return
		}
		ready := time.Now()
		p.do(func() {
			w.proc, w.ready = proc, ready
			if p.terminated {
				proc.Kill()
			}
		})
		proc.Join(context.Background())
		// Results it put before it died are ahead of this marker on the
		// result queue: when the marker comes back, they have all been seen.
		p.results.Put(context.Background(), encodeResult(0, resultMarker, 0, w.idx, 0, nil))
		p.wakeReader() // it may wait off the queue, with no task out
	}()
}

// feed puts a worker's tasks on its queue when the scheduler could not put
// them at once: a big task waits for room there without holding up the
// pool.
func feed(ctx context.Context, w *poolWorker) {
	for {
		select {
		case m := <-w.feed:
			if m == nil {
				w.tasks.Close()
				return
			}
			if w.tasks.r.Put(ctx, m, ring.Options{}) != nil {
				return
			}
			w.feeding.Add(-1)
		case <-ctx.Done():
			return
		}
	}
}

// give hands a task message to a worker: straight into its queue when
// nothing waits before it and there is room, else through its feeder.
// kept reports that the feeder has msg; else it is the caller's again.
func (w *poolWorker) give(msg []byte) (kept bool) {
	if w.feeding.Load() == 0 && w.tasks.r.Put(context.Background(), msg, ring.Options{NoWait: true}) == nil {
		return false
	}
	w.feeding.Add(1)
	w.feed <- msg
	return true
}

// finished reports that the pool has nothing left to do, and retires idle
// workers of a closed pool.
func (p *Pool) finished() bool {
	if p.terminated || p.closing && len(p.queue) == 0 && p.running == 0 {
		for _, w := range p.workers {
			p.retire(w)
		}
		return len(p.workers) == 0
	}
	return false
}

func (p *Pool) retire(w *poolWorker) {
	if !w.retiring {
		w.retiring = true
		w.feed <- nil
	}
}

// dispatch gives queued tasks to workers with room, least loaded first:
// those a worker gets now go to it in one message.
func (p *Pool) dispatch() {
	var now time.Time // one clock read for all the tasks handed out now
	for len(p.queue) > 0 {
		w := p.pickWorker()
		if w == nil {
			break
		}
		t := p.queue[0]
		p.queue = p.queue[1:]
		if !t.job.start() {
			continue // cancelled before it started
		}
		if now.IsZero() {
			now = time.Now()
		}
		p.assign(w, t, now)
	}
	if !now.IsZero() { // some were assigned
		p.flushAll()
	}
}

// pickWorker returns the least loaded worker with room; among equals, the
// one busy most recently: it is still polling its queue and takes the task
// at once, where one idle for long sleeps and must be woken.
func (p *Pool) pickWorker() *poolWorker {
	var best *poolWorker
	for _, w := range p.workers {
		n := w.inflight.len()
		if w.retiring || n >= p.window() {
			continue
		}
		if best == nil || n < best.inflight.len() ||
			n == best.inflight.len() && (w.lastDone > best.lastDone || w.lastDone == best.lastDone && w.idx < best.idx) {
			best = w
		}
	}
	return best
}

// sortedWorkers lists the workers in the order they were started.
func (p *Pool) sortedWorkers() []*poolWorker { return p.workers }

// worker finds a worker by index.
func (p *Pool) worker(idx uint32) *poolWorker {
	for _, w := range p.workers {
		if w.idx == idx {
			return w
		}
	}
	return nil
}

// assign gives t to w: into w's batch, which flush hands over.
func (p *Pool) assign(w *poolWorker, t *execTask, now time.Time) {
	p.nextTask++
	t.id = p.nextTask
	t.worker, t.since = w, now
	w.inflight.push(t)
	w.assigned++
	p.running++
	if d := p.killTime(t); !d.IsZero() {
		t.killAt = d
		p.armTimer(d)
	}
	w.batch = appendTask(w.batch, t.id, t.kind, t.deadline, p.cfg.taskTimeout, t.name, t.payload)
	if len(w.batch) >= maxBatch {
		w.flush()
	}
	p.queueWait.add(now.Sub(t.queued))
	if p.cfg.maxTasks > 0 && w.assigned >= p.cfg.maxTasks {
		w.flush() // before the queue's end
		w.endReason = reasonMaxTasks
		p.retire(w)
		p.startWorker() // the replacement starts while this one finishes
	}
}

// flush gives w the tasks assigned to it since the last flush, in one
// message.
func (w *poolWorker) flush() {
	if len(w.batch) > 0 {
		w.batch = reuse(w.batch, w.give(w.batch))
	}
}

// reuse returns b emptied for the next message, or nil when b was handed
// over or grew large (room kept for a large task would stay allocated for
// good).
func reuse(b []byte, handedOver bool) []byte {
	if handedOver || cap(b) > 4*maxBatch {
		return nil
	}
	return b[:0]
}

func (p *Pool) flushAll() {
	for _, w := range p.workers {
		w.flush()
	}
}

// cancelRunning tells the workers holding ts to cancel them: the task a
// worker runs has its context cancelled, the others are skipped when their
// turn comes (Executor).
func (p *Pool) cancelRunning(ts []*execTask) {
	p.do(func() {
		ids := map[*poolWorker][]byte{}
		for _, t := range ts {
			if w := t.worker; w != nil && w.inflight.find(t.id) == t {
				ids[w] = binary.LittleEndian.AppendUint64(ids[w], t.id)
			}
		}
		for w, b := range ids {
			w.cancel(b)
		}
	})
}

// cancel gives w task ids to cancel. It never waits: a worker that does not
// read them has ended, or is about to.
func (w *poolWorker) cancel(ids []byte) {
	if w.cancels != nil {
		w.cancels.r.Put(context.Background(), ids, ring.Options{NoWait: true})
	}
}

// runningTasks yields the tasks out with workers: those in their lists.
func (p *Pool) runningTasks() iter.Seq[*execTask] {
	return func(yield func(*execTask) bool) {
		for _, w := range p.workers {
			for t := range w.inflight.all() {
				if !yield(t) {
					return
				}
			}
		}
	}
}

// started reports whether w's process has started t: it stores the id of
// each task it starts, and takes them in the order of their ids.
func (w *poolWorker) started(t *execTask) bool {
	return t.id <= atomic.LoadUint64(w.tasks.r.Aux())
}

// killTime is when a task that has not come back gets its worker killed.
func (p *Pool) killTime(t *execTask) time.Time {
	var d time.Time
	if p.cfg.taskTimeout > 0 {
		d = t.since.Add(p.cfg.taskTimeout)
	}
	if !t.deadline.IsZero() && (d.IsZero() || t.deadline.Before(d)) {
		d = t.deadline
	}
	if d.IsZero() {
		return d
	}
	return d.Add(p.cfg.grace)
}

// armTimer has the deadline timer fire by at (zero: no deadline). It only
// ever moves the timer earlier, so arming it for each task costs nothing
// when deadlines come in order (one ctx for many tasks): checkDeadlines,
// which the timer runs, looks for the next deadline itself. (Scanning the
// running tasks on every assign was a fifth of the pool's CPU.)
func (p *Pool) armTimer(at time.Time) {
	if at.IsZero() || !p.timerAt.IsZero() && !at.Before(p.timerAt) {
		return
	}
	p.timerAt = at
	d := max(time.Until(at), time.Millisecond)
	if p.timer == nil {
		p.timer = time.AfterFunc(d, func() { p.do(p.checkDeadlines) })
	} else {
		p.timer.Reset(d)
	}
}

// rearmTimer arms the timer for the earliest deadline left, after it fired.
func (p *Pool) rearmTimer() {
	p.timerAt = time.Time{}
	next := p.queueDue
	for t := range p.runningTasks() {
		if !t.killAt.IsZero() && (next.IsZero() || t.killAt.Before(next)) {
			next = t.killAt
		}
	}
	p.armTimer(next)
}

// checkDeadlines acts on tasks past their deadline and grace: one its
// worker has not started yet fails now; the worker of one that is running
// is killed (the task fails with ErrTimeout when the worker's end is seen).
func (p *Pool) checkDeadlines() {
	now := time.Now()
	if !p.queueDue.IsZero() && !now.Before(p.queueDue) {
		p.expireQueued(now)
	}
	for _, t := range slices.Collect(p.runningTasks()) { // remove changes the lists
		if t.killAt.IsZero() || now.Before(t.killAt) || t.timedOut {
			continue
		}
		t.timedOut = true
		if w := t.worker; !w.started(t) {
			p.running--
			w.inflight.remove(t)
			p.finish(t, nil, fmt.Errorf("%w: %s did not start before its deadline", ErrTimeout, t.name))
		} else if w.proc != nil {
			w.proc.Kill()
		}
	}
	p.rearmTimer()
}

// expireQueued fails the queued tasks whose deadline has passed: no worker
// took them in time, and none will run them.
func (p *Pool) expireQueued(now time.Time) {
	p.queueDue = time.Time{}
	p.queue = slices.DeleteFunc(p.queue, func(t *execTask) bool {
		if t.deadline.IsZero() {
			return false
		}
		if now.Before(t.deadline) {
			if p.queueDue.IsZero() || t.deadline.Before(p.queueDue) {
				p.queueDue = t.deadline
			}
			return false
		}
		p.finish(t, nil, fmt.Errorf("%w: %s did not start before its deadline (%w)", ErrTimeout, t.name, context.DeadlineExceeded))
		return true
	})
}

// onResult completes a task, or handles a worker's end.
func (p *Pool) onResult(m resultMsg) {
	switch m.status {
	case resultMarker:
		if w := p.worker(m.worker); w != nil {
			p.lost(w, nil)
		}
		return
	case resultInitFail:
		var fl failure
		decodeMsg(m.payload, &fl)
		p.fail(fmt.Errorf("mproc: the pool's initializer failed: %w", fl.remote(fmt.Sprintf("PoolWorker-%d", m.worker+1), 0)))
		return
	}
	w := p.worker(m.worker)
	var t *execTask
	if w != nil {
		t = w.inflight.find(m.id)
	}
	if t == nil {
		return // it timed out before it started, and ran anyway
	}
	p.running--
	w.inflight.remove(t)
	w.done++
	p.clock++
	w.lastDone = p.clock
	p.record(w, m)
	if m.status == resultOK {
		p.finish(t, m.payload, nil)
		return
	}
	var fl failure
	if err := decodeMsg(m.payload, &fl); err != nil {
		p.finish(t, nil, err)
		return
	}
	err := error(fl.remote(fmt.Sprintf("PoolWorker-%d", w.idx+1), w.pid()))
	if t.timedOut || (p.cfg.taskTimeout > 0 || !t.deadline.IsZero()) && errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	p.finish(t, nil, err)
}

// record adds a finished task to the figures Insights reports.
func (p *Pool) record(w *poolWorker, m resultMsg) {
	w.busy += m.took
	p.taskTime.add(m.took)
	p.tasksDone++
	if m.status != resultOK {
		p.tasksFailed++
	}
	if m.rss > 0 {
		w.rss, w.peakRSS = m.rss, max(w.peakRSS, m.rss)
		if p.cfg.maxMemory > 0 && m.rss > p.cfg.maxMemory {
			w.endReason = reasonMaxMemory // it retires itself after this task
		}
	}
}

func (w *poolWorker) pid() int {
	if w.proc == nil {
		return 0
	}
	return w.proc.Pid()
}

func (w *poolWorker) info() WorkerInfo {
	i := WorkerInfo{Pid: w.pid(), Done: w.done}
	for t := range w.inflight.all() {
		if w.started(t) {
			i.Task, i.Since = t.name, t.since
			break
		}
	}
	return i
}

// lost handles a worker that ended (startErr: one that never started):
// the task it was running fails, or runs again (WithRetries), and tasks it
// had not taken go to other workers. A replacement starts if there is work.
func (p *Pool) lost(w *poolWorker, startErr error) {
	p.remember(w, startErr)
	p.workers = slices.DeleteFunc(p.workers, func(x *poolWorker) bool { return x == w })
	w.stopFeed()
	var requeue []*execTask
	for t := range w.inflight.all() {
		p.running--
		started := startErr == nil && w.started(t)
		switch {
		case started && t.timedOut:
			p.finish(t, nil, fmt.Errorf("%w: %s ran past its deadline and its worker (pid %d) was killed", ErrTimeout, t.name, w.pid()))
		case started && t.tries >= p.cfg.retries:
			code, _ := w.proc.ExitCode()
			p.finish(t, nil, &WorkerLostError{Pid: w.pid(), Code: code, Signal: max(-code, 0), Task: t.name})
		default:
			if started {
				t.tries++
			}
			t.killAt, t.timedOut = time.Time{}, false
			requeue = append(requeue, t)
		}
	}
	w.inflight.reset() // none of them is w's any more: cancelRunning finds none there
	w.cancels.Close()
	w.cancels = nil
	if p.terminated || p.broken != nil {
		for _, t := range requeue {
			p.finish(t, nil, p.notRunning())
		}
		requeue = nil
	}
	p.queue = append(requeue, p.queue...)
	work := len(p.queue) > 0 || p.running > 0 || !p.closing
	switch {
	case p.terminated || p.broken != nil:
	case startErr != nil && len(p.workers) == 0:
		p.fail(fmt.Errorf("mproc: starting pool workers: %w", startErr))
	case work && p.liveWorkers() < p.cfg.workers:
		p.startWorker()
	}
}

// remember keeps the record of a worker that ended, and counts a restart.
func (p *Pool) remember(w *poolWorker, startErr error) {
	reason := w.endReason
	switch {
	case p.terminated:
		reason = reasonTerminated
	case startErr != nil:
		reason = reasonStartFailed
	case w.timedOut():
		reason = reasonTimeout
	case reason != "":
	case w.retiring:
		reason = reasonClosed
	default:
		reason = reasonCrash
	}
	w.endReason = reason
	now := time.Now()
	wi := w.insight(now)
	wi.RSS, wi.Ended = 0, now
	if len(p.gone) == keptEnded {
		p.gone = slices.Delete(p.gone, 0, 1)
	}
	p.gone = append(p.gone, wi)
	if restart(reason) {
		if p.restarts == nil {
			p.restarts = map[string]int{}
		}
		p.restarts[reason]++
	}
}

// timedOut reports whether w was killed for a task past its deadline.
func (w *poolWorker) timedOut() bool {
	for t := range w.inflight.all() {
		if t.timedOut && w.started(t) {
			return true
		}
	}
	return false
}

// liveWorkers counts the workers that still take tasks.
func (p *Pool) liveWorkers() int {
	n := 0
	for _, w := range p.workers {
		if !w.retiring {
			n++
		}
	}
	return n
}

// fail ends the pool for good: every task not done fails with err.
func (p *Pool) fail(err error) {
	if p.broken == nil {
		p.broken = err
	}
	p.dropAll(err)
	p.closing = true
}

// dropAll fails every task not done, queued or out with workers, once: a
// worker's end seen later finds nothing of theirs to fail again (whose
// error would otherwise race this one to the future).
func (p *Pool) dropAll(err error) {
	for _, t := range p.queue {
		p.finish(t, nil, err)
	}
	p.queue = nil
	for t := range p.runningTasks() {
		p.finish(t, nil, err)
	}
	for _, w := range p.workers {
		w.inflight.reset()
	}
	p.running = 0
}

func (p *Pool) terminate() {
	p.terminated = true
	p.dropAll(ErrTerminated)
	for _, w := range p.workers {
		w.retiring = true
		w.stopFeed()
		if w.proc != nil {
			w.proc.Kill()
		}
	}
}
