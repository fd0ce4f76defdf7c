package mproc

import (
	"context"
	"time"
)

// Executor runs tasks and completes their Futures: a Pool of worker
// processes, or a GoExecutor of goroutines. Registered functions run on
// either (Func.Submit, Func.Map...); closures only on a GoExecutor (Go).
type Executor interface {
	// Shutdown stops taking tasks and waits for those taken, and for their
	// OnDone callbacks (CPython's shutdown(wait=True)).
	Shutdown(ctx context.Context) error
	// CancelPending cancels the tasks not yet started, whose futures fail
	// with ErrCancelled, and returns how many it cancelled. CPython's
	// shutdown(cancel_futures=True) is CancelPending, then Shutdown.
	CancelPending() int

	execute(t *execTask)
	// cancelRunning cancels those of ts that run where ctx can't reach
	// them: a pool's workers (a GoExecutor's tasks run with a ctx of
	// their Map's, which the Map cancels itself).
	cancelRunning(ts []*execTask)
	workerCount() int
	callbackGroup() *callbackGroup // the callbacks Shutdown and Join wait for
	// sendsBytes says whether tasks go encoded to other processes (a
	// pool's, a cluster's) rather than run as closures here.
	sendsBytes() bool
}

// taskJob is the typed half of a task: whether it may still start, how its
// outcome is delivered, and how it runs in this process.
type taskJob interface {
	start() bool                   // false: cancelled before it started
	finish(result []byte, e error) // delivers a worker's outcome; once
	run(ctx context.Context)       // runs it here (a goroutine executor)
}

// execTask is a task as an executor sees it: for a pool, a function's name
// and encoded argument, and a way to deliver the encoded result; for a
// goroutine executor, a closure.
type execTask struct {
	name     string
	kind     byte
	payload  []byte
	err      error     // the argument could not be encoded: fail at once
	deadline time.Time // the submitter's ctx deadline
	ctx      context.Context
	job      taskJob

	// A pool's bookkeeping, on its scheduler goroutine.
	id       uint64
	worker   *poolWorker
	queued   time.Time // when the pool took it
	since    time.Time
	killAt   time.Time
	timedOut bool
	tries    int
}
