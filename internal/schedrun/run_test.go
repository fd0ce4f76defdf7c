package schedrun

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mproc/internal/testmain"
	"mproc/sched"
)

// The tests that run jobs are not parallel: every run pins its jobs to the
// same CPU, and two runs at once would each see half of it.

const testUnit = 20 * time.Millisecond

// testJobs: under SRTF, B preempts A at 1; under RR with quantum 2 every
// job is sliced and the queue order matters.
var testJobs = []sched.Job{
	{Name: "A", Arrival: 0, Burst: 4},
	{Name: "B", Arrival: 1, Burst: 2},
	{Name: "C", Arrival: 2, Burst: 3},
}

func TestRunFollowsPolicies(t *testing.T) {
	testmain.NoChildLeft(t)
	for _, p := range []sched.Policy{sched.FCFS{}, sched.RR{Quantum: 2}, sched.SRTF{}} {
		t.Run(p.Name(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			r, err := Run(ctx, testJobs, p, testUnit)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, r)
		})
	}
}

func checkResult(t *testing.T, r Result) {
	t.Helper()
	var plan []sched.Segment
	for _, s := range r.Sim.Gantt {
		if !s.Idle() {
			plan = append(plan, s)
		}
	}
	if len(r.RealGantt) != len(plan) {
		t.Fatalf("%d spans, the plan has %d segments: %v", len(r.RealGantt), len(plan), r.RealGantt)
	}
	arrival := map[string]time.Duration{}
	for _, j := range testJobs {
		arrival[j.Name] = time.Duration(j.Arrival) * r.Unit
	}
	var prevEnd time.Duration
	cum := map[string]time.Duration{} // CPU measured per job so far
	planned := map[string]time.Duration{}
	for k, s := range r.RealGantt {
		if s.Name != plan[k].Name {
			t.Errorf("span %d runs %s, the plan %s", k, s.Name, plan[k].Name)
		}
		if s.Start < arrival[s.Name] {
			t.Errorf("span %d: %s runs at %v, before its arrival at %v", k, s.Name, s.Start, arrival[s.Name])
		}
		if s.Start < prevEnd || s.End <= s.Start {
			t.Errorf("span %d (%v to %v) overlaps the one before (ends %v) or is empty", k, s.Start, s.End, prevEnd)
		}
		prevEnd = s.End
		if s.Plan != time.Duration(plan[k].Len())*r.Unit {
			t.Errorf("span %d: plan %v, the segment is %d units", k, s.Plan, plan[k].Len())
		}
		// A slice is stopped only once the job's clock has caught up
		// with the plan (the gate); on a CPU of its own, wall time runs
		// at least as fast as CPU time.
		cum[s.Name] += s.CPU
		planned[s.Name] += s.Plan
		if cum[s.Name] < planned[s.Name]-time.Millisecond {
			t.Errorf("span %d: %s has used %v of CPU, the plan gave it %v", k, s.Name, cum[s.Name], planned[s.Name])
		}
		if wall := s.End - s.Start; s.CPU > wall+time.Millisecond {
			t.Errorf("span %d: %v of CPU in %v of wall time on one CPU", k, s.CPU, wall)
		}
	}
	for i, j := range r.Jobs {
		sj := testJobs[i]
		if j.Name != sj.Name || j.Burst != time.Duration(sj.Burst)*r.Unit {
			t.Errorf("job %d is %s with burst %v, want %s with %d units", i, j.Name, j.Burst, sj.Name, sj.Burst)
		}
		if j.CPU < j.Burst || j.CPU > j.Burst+r.Unit/2 {
			t.Errorf("%s used %v of CPU for a burst of %v", j.Name, j.CPU, j.Burst)
		}
		// Wall time is never shorter than CPU time, so no job finishes
		// much before the simulation says. How much later it finishes
		// depends on who else wants the jobs' CPU: other programs on a
		// busy machine can stretch the run many times over (the run
		// measures that, as CPUShare), so the upper bound holds only
		// when the jobs had most of their CPU.
		sim := float64(r.Sim.Jobs[i].Finish)
		if j.FinishError < -0.25 {
			t.Errorf("%s finished at %.2f units, before the simulation's %v", j.Name, j.Finish, sim)
		}
		if r.Deviation.CPUShare >= 0.8 && j.FinishError > 3 {
			t.Errorf("%s finished at %.2f units, the simulation at %v, though the jobs had %.0f%% of their CPU",
				j.Name, j.Finish, sim, 100*r.Deviation.CPUShare)
		}
		if j.Start < float64(sj.Arrival) {
			t.Errorf("%s started at %.2f units, before its arrival at %d", j.Name, j.Start, sj.Arrival)
		}
		if d := j.Turnaround - (j.Finish - float64(sj.Arrival)); d != 0 {
			t.Errorf("%s: turnaround %.3f, finish %.3f, arrival %d", j.Name, j.Turnaround, j.Finish, sj.Arrival)
		}
	}
	if got, want := spanNames(r.Real.Gantt), spanNames(r.Sim.Gantt); got != want {
		t.Errorf("rounded real chart %s, the simulation's %s", got, want)
	}
	want := len(plan) - len(testJobs)
	if r.Deviation.Preemptions != want {
		t.Errorf("%d preemptions, the plan has %d", r.Deviation.Preemptions, want)
	}
	if r.Deviation.MaxOvershoot > 2*r.Unit || r.Deviation.MaxOvershoot < 0 {
		t.Errorf("a slice overran its plan by %v", r.Deviation.MaxOvershoot)
	}
	if r.Deviation.MaxFinish < r.Deviation.MeanFinish || r.Deviation.TotalDispatch < r.Deviation.MaxDispatch {
		t.Errorf("inconsistent deviation %+v", r.Deviation)
	}
	if r.Deviation.CPUShare < 0.8 {
		t.Logf("a busy machine: the jobs had %.0f%% of their CPU; finish times unbounded above", 100*r.Deviation.CPUShare)
	}
	t.Logf("spans %v; deviation %+v", r.RealGantt, r.Deviation)
}

// spanNames is a chart's job names in order, idle stretches left out.
func spanNames(segs []sched.Segment) string {
	var b strings.Builder
	for _, s := range segs {
		if !s.Idle() {
			b.WriteString(s.Name + " ")
		}
	}
	return b.String()
}

func TestRunCancelled(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	spans := 0
	testHookSpan = func(Span) {
		spans++
		cancel() // mid-run: the first span is done, the others are not
	}
	defer func() { testHookSpan = nil }()
	begin := time.Now()
	_, err := Run(ctx, testJobs, sched.RR{Quantum: 1}, testUnit)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel: %v, want context.Canceled", err)
	}
	if spans != 1 {
		t.Errorf("%d spans ran, want 1: the run should stop at the cancel", spans)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Errorf("Run took %v to give up", d)
	}
}

func TestRunBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	many := make([]sched.Job, MaxJobs+1)
	for i := range many {
		many[i] = sched.Job{Name: strings.Repeat("j", i+1), Burst: 1}
	}
	for _, tc := range []struct {
		name string
		jobs []sched.Job
		p    sched.Policy
		unit time.Duration
		want error
		says string
	}{
		{"empty", nil, sched.FCFS{}, testUnit, sched.ErrNoJobs, "no jobs"},
		{"zero unit", testJobs, sched.FCFS{}, 0, ErrUnit, "the least is 1ms"},
		{"negative unit", testJobs, sched.FCFS{}, -time.Second, ErrUnit, "-1s"},
		{"tiny unit", testJobs, sched.FCFS{}, time.Microsecond, ErrUnit, "1µs"},
		{"no policy", testJobs, nil, testUnit, sched.ErrNoPolicy, "no policy"},
		{"bad quantum", testJobs, sched.RR{}, testUnit, sched.ErrBadQuantum, "quantum"},
		{"too long", []sched.Job{{Name: "A", Burst: 700}}, sched.FCFS{}, 100 * time.Millisecond, ErrTooLong, "a unit of 85.7ms or less fits"},
		{"far too long", []sched.Job{{Name: "A", Burst: 100000}}, sched.FCFS{}, time.Second, ErrTooLong, "even at the least unit"},
		{"too many", many, sched.FCFS{}, MinUnit, ErrTooManyJobs, "65, at most 64"},
	} {
		_, err := Run(ctx, tc.jobs, tc.p, tc.unit)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v, want %v saying %q", tc.name, err, tc.want, tc.says)
		}
	}
}
