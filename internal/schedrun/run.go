package schedrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"mproc"
	"mproc/sched"
)

// Run runs jobs as real child processes under policy p, unit being one time
// unit of the job list: the wall time of a unit, and the CPU time of a unit
// of burst.
//
// It simulates first, then replays the simulation's chart: the dispatch
// follows the policy's plan (which job runs next, and for how much CPU),
// while every time is measured. A segment ends when the job's measured CPU
// time reaches what the plan gave it, not when a wall clock says so, and a
// job is first dispatched no earlier than its arrival in wall time.
//
// Every job is started before the run's time 0, stops itself before it
// burns anything (its CPU clock is read then, so start-up is not counted),
// and has all its threads pinned to one CPU, CPU, which only the running
// job uses: the others stay stopped. When ctx ends, Run kills and reaps
// every job and returns ctx's error.
func Run(ctx context.Context, jobs []sched.Job, p sched.Policy, unit time.Duration) (Result, error) {
	sim, err := sched.Run(jobs, p)
	if err != nil {
		return Result{}, err
	}
	if err := check(len(jobs), sim.Makespan(), unit); err != nil {
		return Result{}, err
	}
	cpu, err := jobCPU()
	if err != nil {
		return Result{}, fmt.Errorf("schedrun: %w", err)
	}
	d := &dispatcher{jobs: jobs, unit: unit, cpu: cpu, index: map[string]int{}}
	defer d.reap()
	if err := d.startAll(ctx); err != nil {
		return Result{}, err
	}
	if err := d.follow(ctx, sim.Gantt, testHookSpan); err != nil {
		return Result{}, err
	}
	if err := d.collect(ctx); err != nil {
		return Result{}, err
	}
	return d.result(sim)
}

// check refuses units and job lists a real run cannot honour.
func check(jobs, makespan int, unit time.Duration) error {
	switch {
	case unit < MinUnit:
		return fmt.Errorf("schedrun: %w: %v, the least is %v", ErrUnit, unit, MinUnit)
	case jobs > MaxJobs:
		return fmt.Errorf("schedrun: %w: %d, at most %d", ErrTooManyJobs, jobs, MaxJobs)
	case time.Duration(makespan) <= MaxDuration/unit:
		return nil
	}
	fit := MaxDuration / time.Duration(makespan)
	if fit < MinUnit {
		return fmt.Errorf("schedrun: %w: the schedule is %d units long; even at the least unit, %v, it would take longer than %v",
			ErrTooLong, makespan, MinUnit, MaxDuration)
	}
	return fmt.Errorf("schedrun: %w: %d units of %v take %v, more than %v; a unit of %v or less fits",
		ErrTooLong, makespan, unit, time.Duration(makespan)*unit, MaxDuration, fit.Truncate(100*time.Microsecond))
}

// job is a job's process and what the dispatcher knows of it.
type job struct {
	sched.Job
	proc *mproc.Proc[burnDone]
	// base is its CPU clock when it had stopped itself at start-up.
	base time.Duration
	// planned is the CPU time its segments so far were given, in units.
	planned int
	// last is the index of its last span, lastCPU its CPU time before it.
	last    int
	lastCPU time.Duration
	done    *burnDone
}

// dispatcher runs the jobs and records what happened.
type dispatcher struct {
	jobs  []sched.Job
	unit  time.Duration
	cpu   int
	index map[string]int
	run   []*job
	t0    time.Duration // the run's time 0, on CLOCK_MONOTONIC
	spans []Span
	// overshoots and stops of the preemptions.
	overshoots, stops []time.Duration
}

// startAll starts every job, waits for each to stop itself, pins it and
// reads its CPU clock.
func (d *dispatcher) startAll(ctx context.Context) error {
	for i, sj := range d.jobs {
		d.index[sj.Name] = i
		p, err := burn.Start(ctx, time.Duration(sj.Burst)*d.unit, mproc.WithName("sched "+sj.Name))
		if err != nil {
			return fmt.Errorf("schedrun: starting job %q: %w", sj.Name, err)
		}
		j := &job{Job: sj, proc: p}
		d.run = append(d.run, j)
		if err := stopped(ctx, p.Pid()); err != nil {
			return d.lost(j, "stopping itself at start-up", err)
		}
		if err := pin(p.Pid(), d.cpu); err != nil {
			return fmt.Errorf("schedrun: job %q: %w", sj.Name, err)
		}
		if j.base, err = processCPU(p.Pid()); err != nil {
			return fmt.Errorf("schedrun: job %q: %w", sj.Name, err)
		}
	}
	d.t0 = monotonic()
	return nil
}

// follow runs the plan's segments in order.
// onSpan, if not nil, sees each span as it is recorded.
func (d *dispatcher) follow(ctx context.Context, plan []sched.Segment, onSpan func(Span)) error {
	for _, seg := range plan {
		if seg.Idle() {
			continue
		}
		j := d.run[d.index[seg.Name]]
		if j.planned == 0 {
			if err := d.sleepUntil(ctx, time.Duration(j.Arrival)*d.unit); err != nil {
				return err
			}
		}
		j.planned += seg.Len()
		var err error
		if j.planned == j.Burst {
			err = d.finish(ctx, j, seg)
		} else {
			err = d.slice(ctx, j, seg)
		}
		if err != nil {
			return err
		}
		if onSpan != nil {
			onSpan(d.spans[len(d.spans)-1])
		}
	}
	return nil
}

// testHookSpan lets tests act between spans (cancel a run mid-way).
var testHookSpan func(Span)

// slice runs j until its CPU clock reaches what the plan has given it so
// far, then stops it.
func (d *dispatcher) slice(ctx context.Context, j *job, seg sched.Segment) error {
	pid := j.proc.Pid()
	before, err := processCPU(pid)
	if err != nil {
		return d.lost(j, "before a slice", err)
	}
	target := time.Duration(j.planned) * d.unit
	start := d.now()
	if err := resume(pid); err != nil {
		return d.lost(j, "at SIGCONT", err)
	}
	if err := d.burnUntil(ctx, j, target); err != nil {
		return err
	}
	sent := monotonic()
	if err := suspend(pid); err != nil {
		return d.lost(j, "at SIGSTOP", err)
	}
	if err := stopped(ctx, pid); err != nil {
		return d.lost(j, "after SIGSTOP", err)
	}
	end := d.now()
	after, err := processCPU(pid)
	if err != nil {
		return d.lost(j, "after a slice", err)
	}
	d.stops = append(d.stops, monotonic()-sent)
	d.overshoots = append(d.overshoots, after-j.base-target)
	d.spans = append(d.spans, Span{Name: j.Name, Start: start, End: end, CPU: after - before, Plan: time.Duration(seg.Len()) * d.unit})
	return nil
}

// burnUntil waits, napping, until j has used target CPU time since its
// base. j being the only job its CPU runs, its clock advances at most at
// the wall clock's pace, so a nap as long as what is left never overshoots
// by more than the nap's own latency.
func (d *dispatcher) burnUntil(ctx context.Context, j *job, target time.Duration) error {
	for {
		now, err := processCPU(j.proc.Pid())
		if err != nil {
			return d.lost(j, "during a slice", err)
		}
		left := target - (now - j.base)
		if left <= 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, ended := j.proc.ExitCode(); ended {
			return d.lost(j, "during a slice", errExited)
		}
		nap(min(left, maxNap))
	}
}

// maxNap bounds a nap, and so how long a cancelled ctx goes unnoticed.
const maxNap = 5 * time.Millisecond

// finish lets j run to the end of its burst. The next job is dispatched as
// soon as j has exited, not once mproc has reaped it and read its report:
// collect does that after the run.
func (d *dispatcher) finish(ctx context.Context, j *job, seg sched.Segment) error {
	pid := j.proc.Pid()
	before, err := processCPU(pid)
	if err != nil {
		return d.lost(j, "before its last slice", err)
	}
	start := d.now()
	if err := resume(pid); err != nil {
		return d.lost(j, "at SIGCONT", err)
	}
	// The job stops itself once its burst is used up (see burn), unless
	// it did already, in a slice the dispatcher stopped late: continue it
	// past that stop, to its end.
	err = stopped(ctx, pid)
	if err == nil {
		if err := resume(pid); err != nil {
			return d.lost(j, "at its end", err)
		}
		err = stopped(ctx, pid)
	}
	switch {
	case err == nil:
		return d.lost(j, "in its last slice", errors.New("stopped by someone else"))
	case !errors.Is(err, errExited):
		return d.lost(j, "in its last slice", err)
	}
	j.last = len(d.spans)
	j.lastCPU = before - j.base
	d.spans = append(d.spans, Span{Name: j.Name, Start: start, Plan: time.Duration(seg.Len()) * d.unit})
	return nil
}

// collect reads each job's report and completes its last span: its end is
// when the job saw its burst used up, and its CPU what the job's clock
// says less what the dispatcher had seen before. The two clocks' zeros
// differ by the few microseconds between the job's reading before its
// self-stop and the dispatcher's after it.
func (d *dispatcher) collect(ctx context.Context) error {
	for _, j := range d.run {
		r, err := j.proc.Wait(ctx)
		if err != nil {
			return d.lost(j, "reporting its burn", err)
		}
		j.done = &r
		s := &d.spans[j.last]
		// A job a late dispatcher let burn its whole burst in an earlier
		// slice ended before its last span began: that span is empty.
		s.End = max(r.End-d.t0, s.Start)
		s.CPU = max(r.CPU-j.lastCPU, 0)
	}
	return nil
}

// sleepUntil waits until at wall time from the run's start.
func (d *dispatcher) sleepUntil(ctx context.Context, at time.Duration) error {
	for {
		left := at - d.now()
		if left <= 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		nap(min(left, maxNap))
	}
}

func (d *dispatcher) now() time.Duration { return monotonic() - d.t0 }

// lost says what became of j; ctx's errors pass unchanged.
func (d *dispatcher) lost(j *job, when string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("schedrun: %w: job %q (pid %d) %s: %w", ErrJobLost, j.Name, j.proc.Pid(), when, err)
}

// reap kills every job still running, stopped or not, and waits for each to
// be reaped, whatever ctx the run had.
func (d *dispatcher) reap() {
	for _, j := range d.run {
		if j.done == nil {
			j.proc.Kill()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, j := range d.run {
		if j.proc.Join(ctx) == nil {
			j.proc.Close()
		}
	}
}

// stopped waits until pid is stopped, or ctx ends; a job that exits instead
// is errExited. The waitid goes on after ctx ends until reap ends the job.
func stopped(ctx context.Context, pid int) error {
	ch := make(chan error, 1)
	go func() { ch <- waitStopped(pid) }()
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
