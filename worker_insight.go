package mproc

import (
	"strconv"
	"time"
)

// WorkerInsight is what one worker of a pool has done: see Pool.Insights.
type WorkerInsight struct {
	Name    string        // PoolWorker-N
	Pid     int           // 0 while it starts
	Tasks   int           // tasks it finished (a Map's chunk is one)
	Task    string        // the function it runs now, or "" when idle
	Busy    time.Duration // running tasks, as the worker timed them (the task it runs now included)
	Idle    time.Duration // alive and not running a task
	Startup time.Duration // from the pool's start of the process to its first readiness
	RSS     int64         // resident bytes (VmRSS) when last read; 0 once it ended
	PeakRSS int64         // the largest resident size (VmHWM) seen
	Started time.Time     // when the pool started it
	Ended   time.Time     // when its end was seen, or zero while it runs
	// Reason says why it ended: "crash" (it died, or exited, with tasks
	// to do), "timeout" (killed past a task's deadline), "max tasks"
	// (WithMaxTasksPerChild), "max memory" (WithMaxMemory), "start failed",
	// "closed" (the pool was closed) or "terminated"; "" while it runs.
	Reason string
}

// Why a worker ended: see WorkerInsight.Reason.
const (
	reasonCrash       = "crash"
	reasonTimeout     = "timeout"
	reasonMaxTasks    = "max tasks"
	reasonMaxMemory   = "max memory"
	reasonStartFailed = "start failed"
	reasonClosed      = "closed"
	reasonTerminated  = "terminated"
)

// restart reports whether a worker that ended for reason was replaced
// because of it (rather than ending with its pool).
func restart(reason string) bool { return reason != reasonClosed && reason != reasonTerminated }

// insight is w's record as of now; the pool's lock is held.
func (w *poolWorker) insight(now time.Time) WorkerInsight {
	wi := WorkerInsight{
		Name: workerName(w.idx), Pid: w.pid(), Tasks: w.done, Busy: w.busy,
		RSS: w.rss, PeakRSS: w.peakRSS, Started: w.created, Reason: w.endReason,
	}
	if !w.ready.IsZero() {
		wi.Startup = w.ready.Sub(w.created)
		if i := w.info(); i.Task != "" {
			wi.Task = i.Task
			wi.Busy += now.Sub(i.Since)
		}
		wi.Idle = max(now.Sub(w.ready)-wi.Busy, 0)
	}
	return wi
}

func workerName(idx uint32) string { return "PoolWorker-" + strconv.Itoa(int(idx)+1) }
