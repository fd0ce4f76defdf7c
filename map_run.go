package mproc

import (
	"context"
	"sync/atomic"
)

// mapRun is one Map's chunks as they run. Once it fails (a chunk's error,
// a Cancel) none of its chunks starts, and those running are cancelled:
// nobody will collect their results.
type mapRun struct {
	failed atomic.Bool
	ctx    context.Context    // what its chunks run with on a GoExecutor
	cancel context.CancelFunc // ends ctx
	ex     Executor
	tasks  []*execTask // all of them, made before the first is executed
}

func newMapRun(ctx context.Context, ex Executor) *mapRun {
	r := &mapRun{ex: ex}
	r.ctx, r.cancel = context.WithCancel(ctx)
	return r
}

// stopRunning cancels the chunks that run: a GoExecutor's see their ctx
// end, and a pool tells their workers, which cancel the task's context
// (a task that ignores it runs to its end).
func (r *mapRun) stopRunning() {
	r.cancel()
	r.ex.cancelRunning(r.tasks)
}
