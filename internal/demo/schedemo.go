package demo

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"mproc/internal/gantt"
	"mproc/internal/schedrun"
	"mproc/sched"
)

// The seed's scheduling algorithms (进程调度): first-come first-served, short
// job first, round robin and the multi-level feedback queue, with the
// preemptive and priority variants a textbook adds, all on one job list,
// simulated by package mproc/sched: the charts are what a single CPU would do
// under each policy. Then round robin for real, on child processes.

// schedJobs is Silberschatz et al.'s shortest-remaining-time example
// (Operating System Concepts, 10th ed., §5.3.2: SRTF waits 6.5 on average,
// SJF 7.75), with priorities added that ignore the lengths (the longest job
// is the most urgent), so that the priority policies decide differently.
var schedJobs = []sched.Job{
	{Name: "P1", Arrival: 0, Burst: 8, Priority: 3},
	{Name: "P2", Arrival: 1, Burst: 4, Priority: 4},
	{Name: "P3", Arrival: 2, Burst: 9, Priority: 1},
	{Name: "P4", Arrival: 3, Burst: 5, Priority: 2},
}

// schedPolicies are every policy of package sched, in the order of `mproc
// sched --compare`: RR with Silberschatz's quantum, MLFQ with the seed's
// doubling quanta.
var schedPolicies = []sched.Policy{
	sched.FCFS{}, sched.SJF{}, sched.SRTF{},
	sched.Priority{}, sched.Priority{Preemptive: true},
	sched.RR{Quantum: 4}, sched.MLFQ{Quanta: []int{2, 4, 8}},
}

// schedWidth is the width of the charts, in columns.
const schedWidth = 72

func init() {
	add(Demo{
		Name:  "sched",
		Title: "Process scheduling: FCFS, SJF, SRTF, priority, round robin and MLFQ on one CPU, simulated, then for real",
		Intro: "Before any code the seed tells how an operating system takes turns between processes on one CPU: " +
			"first-come first-served (good for long jobs, bad for short ones stuck behind them), shortest job " +
			"first (the reverse, and it must know the lengths), round robin (time slices: every ready process " +
			"gets a quantum in turn) and the multi-level feedback queue (new jobs at the top with short slices, " +
			"sinking a level whenever they use a whole one). Here package mproc/sched simulates each on " +
			"Silberschatz's four jobs; watch who waits behind whom in the Gantt charts, and which policy wins " +
			"which average: SRTF the waiting time (it is optimal), round robin and MLFQ the response time. Last, round robin for real: the four jobs as child processes on one CPU, scheduled by this one with SIGSTOP and SIGCONT, measured against the simulation.",
		Run: runSched,
	})
}

func runSched(ctx context.Context, w io.Writer) error {
	fmt.Fprintln(w, "The jobs (times in abstract units; a lower number is a higher priority):")
	fmt.Fprintln(w, "  job  arrival  burst  priority")
	for _, j := range schedJobs {
		fmt.Fprintf(w, "  %-3s  %7d  %5d  %8d\n", j.Name, j.Arrival, j.Burst, j.Priority)
	}
	runs := make([]sched.Schedule, len(schedPolicies))
	for i, p := range schedPolicies {
		if err := ctx.Err(); err != nil {
			return err
		}
		s, err := sched.Run(schedJobs, p)
		if err != nil {
			return fmt.Errorf("sched: %s: %w", p.Name(), err)
		}
		runs[i] = s
		fmt.Fprintf(w, "\n%s\n", gantt.Describe(p))
		var chart strings.Builder
		gantt.Chart(&chart, s.Gantt, schedWidth-2)
		for l := range strings.SplitSeq(strings.TrimSuffix(chart.String(), "\n"), "\n") {
			fmt.Fprintf(w, "  %s\n", l)
		}
		fmt.Fprintf(w, "  waiting: %s\n", schedWaits(s))
	}
	fmt.Fprintln(w, "\nThe averages, every policy:")
	gantt.Compare(w, schedPolicies, runs)
	fmt.Fprintln(w, "FCFS makes P2, a short job, wait behind P1; SJF lets short jobs go first once the CPU\n"+
		"is free; SRTF also takes the CPU from a job for a shorter newcomer, which minimizes the\n"+
		"average wait. Priority ignores length: P3, the longest job and the most urgent, runs\n"+
		"early and everyone waits for it. Round robin and MLFQ put every job on the CPU soon (the\n"+
		"response time) and pay for it in turnaround: with jobs of similar lengths all finish late.\n"+
		"MLFQ needs no lengths and no priorities: it learns them from how jobs use their slices.\n"+
		"No policy is best at everything.")
	return schedReal(ctx, w)
}

// schedRealUnit is one time unit of the real run.
const schedRealUnit = 4 * time.Millisecond

// schedReal runs the jobs as real processes under round robin: four
// CPU-burning children on one CPU, stopped and continued by this process.
func schedReal(ctx context.Context, w io.Writer) error {
	p := sched.RR{Quantum: 4}
	fmt.Fprintf(w, "\nNow for real (mproc sched --real), under %s: the four jobs are child\n"+
		"processes burning CPU, all pinned to one CPU; this process is the scheduler, sending\n"+
		"SIGCONT to the job whose turn it is and SIGSTOP once it has used its slice of CPU\n"+
		"time (1 unit = %v).\n", gantt.Describe(p), schedRealUnit)
	r, err := schedrun.Run(ctx, schedJobs, p, schedRealUnit)
	if err != nil {
		return fmt.Errorf("sched: the real run: %w", err)
	}
	for _, c := range []struct {
		name string
		s    sched.Schedule
	}{{"simulated", r.Sim}, {"measured on CPU " + fmt.Sprint(r.CPU), r.Real}} {
		fmt.Fprintf(w, "  %s:\n", c.name)
		var chart strings.Builder
		gantt.Chart(&chart, c.s.Gantt, schedWidth-2)
		for l := range strings.SplitSeq(strings.TrimSuffix(chart.String(), "\n"), "\n") {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	d := r.Deviation
	fmt.Fprintf(w, "  average waiting: simulated %.2f, measured %.2f units; finish times off by %.2f at most\n",
		r.Sim.AvgWaiting, r.AvgWaiting, d.MaxFinish)
	fmt.Fprintf(w, "  %d preemptions; each job got its CPU time within %v; %.0f%% of the CPU was the jobs' when they ran\n",
		d.Preemptions, d.MaxCPU.Round(time.Microsecond), 100*d.CPUShare)
	fmt.Fprintln(w, "The real run follows the simulation's plan; the gap is the cost of switching (signals,\n"+
		"the kernel's own scheduler) and of whatever else shares the CPU.")
	return nil
}

// schedWaits spells each job's waiting time: "P1 9, P2 0, ...".
func schedWaits(s sched.Schedule) string {
	parts := make([]string, len(s.Jobs))
	for i, j := range s.Jobs {
		parts[i] = fmt.Sprintf("%s %d", j.Name, j.Waiting)
	}
	return strings.Join(parts, ", ") + fmt.Sprintf("  (average %.2f)", s.AvgWaiting)
}
