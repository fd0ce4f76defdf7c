package sched_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"mproc/sched"
)

func TestRunRejects(t *testing.T) {
	t.Parallel()
	ok := named("A", 0, 3, "B", 1, 2)
	cases := []struct {
		name   string
		jobs   []sched.Job
		policy sched.Policy
		want   error
		text   string // the message contains it
	}{
		{"no jobs", nil, sched.FCFS{}, sched.ErrNoJobs, "sched: no jobs"},
		{"nil policy", ok, nil, sched.ErrNoPolicy, "no policy"},
		{"empty name", named("", 0, 1), sched.FCFS{}, sched.ErrBadName, `job 0 ("")`},
		{"control character", named("A\nB", 0, 1), sched.FCFS{}, sched.ErrBadName, "job 0"},
		{"not UTF-8", named("A\xff", 0, 1), sched.FCFS{}, sched.ErrBadName, "job 0"},
		{"duplicate", named("A", 0, 1, "B", 0, 1, "A", 2, 1), sched.FCFS{}, sched.ErrDuplicateName, `job 2 ("A"): duplicate job name: job 0 has it too`},
		{"negative arrival", named("A", -1, 1), sched.FCFS{}, sched.ErrNegativeArrival, "got -1"},
		{"negative burst", named("A", 0, 1, "B", 0, -3), sched.SJF{}, sched.ErrNonPositiveBurst, `job 1 ("B"): burst must be positive, got -3`},
		{"zero burst", named("A", 0, 0), sched.SJF{}, sched.ErrNonPositiveBurst, "got 0"},
		{"huge burst", named("A", 0, math.MaxInt), sched.FCFS{}, sched.ErrTooLarge, "above MaxTime"},
		{"huge total", named("A", sched.MaxTime, 1), sched.FCFS{}, sched.ErrTooLarge, "more than MaxTime"},
		{"zero quantum", ok, sched.RR{}, sched.ErrBadQuantum, "rr: quantum must be positive, got 0"},
		{"negative quantum", ok, sched.RR{Quantum: -2}, sched.ErrBadQuantum, "got -2"},
		{"no levels", ok, sched.MLFQ{}, sched.ErrNoLevels, "mlfq"},
		{"zero level quantum", ok, sched.MLFQ{Quanta: []int{2, 0}}, sched.ErrBadQuantum, "level 1"},
		{"negative boost", ok, sched.MLFQ{Quanta: []int{2}, Boost: -1}, sched.ErrBadBoost, "got -1"},
		// Two long jobs taking turns, a quantum at a time, would need 2*10^12
		// dispatches.
		{"rr too long", named("A", 0, 1_000_000_000_000, "B", 0, 1_000_000_000_000), sched.RR{Quantum: 1}, sched.ErrTooLarge, "MaxDispatches"},
		{"mlfq too long", named("A", 0, 1_000_000_000_000, "B", 0, 1_000_000_000_000), sched.MLFQ{Quanta: []int{1, 1}}, sched.ErrTooLarge, "MaxDispatches"},
		{"mlfq boosts too often", named("A", 0, 1_000_000_000_000), sched.MLFQ{Quanta: []int{1}, Boost: 1}, sched.ErrTooLarge, "MaxDispatches"},
	}
	for _, c := range cases {
		_, err := sched.Run(c.jobs, c.policy)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) || !strings.HasPrefix(err.Error(), "sched: ") {
			t.Errorf("%s: %v; want %v containing %q", c.name, err, c.want, c.text)
		}
	}
	var je *sched.JobError
	if _, err := sched.Run(named("A", 0, 1, "B", 0, 0), sched.FCFS{}); !errors.As(err, &je) || je.Index != 1 || je.Name != "B" {
		t.Errorf("JobError: %v, %+v", err, je)
	}
}

// A job alone on the CPU for a long time is one dispatch, not one per
// quantum: these finish at once.
func TestLongRunsAlone(t *testing.T) {
	t.Parallel()
	jobs := named("A", 0, 1_000_000_000_000, "B", 500_000_000_000, 3)
	for _, c := range []struct {
		p       sched.Policy
		bFinish int
	}{
		// B arrives at a quantum end, queues before A, and they alternate.
		{sched.RR{Quantum: 1}, 500_000_000_005},
		{sched.MLFQ{Quanta: []int{1}}, 500_000_000_005},
		// B preempts A, at the bottom, and runs its 3 units above it.
		{sched.MLFQ{Quanta: []int{1, 2, 4}}, 500_000_000_003},
	} {
		s, err := sched.Run(jobs, c.p)
		if err != nil {
			t.Fatalf("%s: %v", c.p.Name(), err)
		}
		if b, _ := s.Job("B"); b.Finish != c.bFinish || s.Makespan() != 1_000_000_000_003 {
			t.Errorf("%s %+v: B %+v, makespan %d", c.p.Name(), c.p, b, s.Makespan())
		}
	}
}

func TestAnalyze(t *testing.T) {
	t.Parallel()
	jobs := named("A", 0, 4, "B", 2, 2)
	// A measured run: A took 5 units instead of 4, in two pieces, with an
	// idle gap and a given idle segment that Analyze replaces by its own.
	s, err := sched.Analyze(jobs, []sched.Segment{{"A", 1, 3}, {"", 3, 4}, {"B", 4, 6}, {"A", 6, 9}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := chartString(s.Gantt), "- 0-1 A 1-3 - 3-4 B 4-6 A 6-9"; got != want {
		t.Errorf("chart %s, want %s", got, want)
	}
	a, _ := s.Job("A")
	if a.Start != 1 || a.Finish != 9 || a.Turnaround != 9 || a.Waiting != 4 || a.Response != 1 {
		t.Errorf("A: %+v (waiting: 9 in the system, 5 of them on the CPU)", a)
	}
	if s.Policy != "" || s.AvgWaiting != 3 {
		t.Errorf("policy %q, average waiting %v", s.Policy, s.AvgWaiting)
	}

	bad := []struct {
		name string
		segs []sched.Segment
		want error
		text string
	}{
		{"unknown job", []sched.Segment{{"A", 0, 4}, {"C", 4, 6}}, sched.ErrBadGantt, `runs "C", which is not a job`},
		{"empty segment", []sched.Segment{{"A", 0, 4}, {"B", 4, 4}}, sched.ErrBadGantt, "empty or reversed"},
		{"overlap", []sched.Segment{{"A", 0, 4}, {"B", 3, 5}}, sched.ErrBadGantt, "before the one before it ends"},
		{"before arrival", []sched.Segment{{"B", 1, 3}, {"A", 3, 7}}, sched.ErrBadGantt, "before it arrives"},
		{"missing job", []sched.Segment{{"A", 0, 4}}, sched.ErrBadGantt, `"B" never runs`},
		{"beyond MaxTime", []sched.Segment{{"A", 0, 4}, {"B", 4, sched.MaxTime + 1}}, sched.ErrTooLarge, "after MaxTime"},
	}
	for _, c := range bad {
		if _, err := sched.Analyze(jobs, c.segs); !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: %v; want %v containing %q", c.name, err, c.want, c.text)
		}
	}
	if _, err := sched.Analyze(nil, nil); !errors.Is(err, sched.ErrNoJobs) {
		t.Errorf("no jobs: %v", err)
	}
}
