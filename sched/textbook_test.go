package sched_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"mproc/sched"
)

// The worked examples of two textbooks, with the answers they publish:
//
//   - [SGG] A. Silberschatz, P. B. Galvin, G. Gagne, "Operating System
//     Concepts", 10th ed., Wiley, 2018, chapter 5 "CPU Scheduling", §5.3
//     "Scheduling Algorithms" (cited by subsection; times in milliseconds).
//   - [OSTEP] R. H. Arpaci-Dusseau, A. C. Arpaci-Dusseau, "Operating Systems:
//     Three Easy Pieces", version 1.00, chapter 7 "Scheduling: Introduction"
//     and chapter 8 "Scheduling: The Multi-Level Feedback Queue" (cited by
//     section and figure).
//
// Each case gives the chart the book draws and the averages it computes;
// where the book draws one job's consecutive quanta as separate boxes, the
// chart here has one segment (see the package doc).

// textbookCase is one worked example.
type textbookCase struct {
	cite   string
	jobs   []sched.Job
	policy sched.Policy
	gantt  string // "P1 0-4 P2 4-7 ..."; "- 0-2" is idle
	// The published averages; NaN where the book gives none.
	waiting, turnaround, response float64
}

// allAtZero makes jobs P1, P2, ... arriving at 0 with the given bursts.
func allAtZero(bursts ...int) []sched.Job {
	jobs := make([]sched.Job, len(bursts))
	for i, b := range bursts {
		jobs[i] = sched.Job{Name: "P" + string(rune('1'+i)), Burst: b}
	}
	return jobs
}

// named makes jobs from "name arrival burst" triples.
func named(spec ...any) []sched.Job {
	var jobs []sched.Job
	for i := 0; i < len(spec); i += 3 {
		jobs = append(jobs, sched.Job{Name: spec[i].(string), Arrival: spec[i+1].(int), Burst: spec[i+2].(int)})
	}
	return jobs
}

var nan = math.NaN()

var textbook = []textbookCase{
	{
		cite: "SGG §5.3.1 FCFS: P1=24, P2=3, P3=3 in that order wait 0, 24, 27: average 17",
		jobs: allAtZero(24, 3, 3), policy: sched.FCFS{},
		gantt: "P1 0-24 P2 24-27 P3 27-30", waiting: 17, turnaround: nan, response: nan,
	},
	{
		cite: "SGG §5.3.1 FCFS, the same jobs in the order P2, P3, P1: average waiting 3",
		jobs: named("P2", 0, 3, "P3", 0, 3, "P1", 0, 24), policy: sched.FCFS{},
		gantt: "P2 0-3 P3 3-6 P1 6-30", waiting: 3, turnaround: nan, response: nan,
	},
	{
		cite: "SGG §5.3.2 SJF: P1=6, P2=8, P3=7, P4=3: average waiting (3+16+9+0)/4 = 7",
		jobs: allAtZero(6, 8, 7, 3), policy: sched.SJF{},
		gantt: "P4 0-3 P1 3-9 P3 9-16 P2 16-24", waiting: 7, turnaround: nan, response: nan,
	},
	{
		cite: "SGG §5.3.2, the SJF example under FCFS: 'the average waiting time would be 10.25'",
		jobs: allAtZero(6, 8, 7, 3), policy: sched.FCFS{},
		gantt: "P1 0-6 P2 6-14 P3 14-21 P4 21-24", waiting: 10.25, turnaround: nan, response: nan,
	},
	{
		cite: "SGG §5.3.2 preemptive SJF: arrivals 0,1,2,3, bursts 8,4,9,5: [(10-1)+(1-1)+(17-2)+(5-3)]/4 = 6.5",
		jobs: named("P1", 0, 8, "P2", 1, 4, "P3", 2, 9, "P4", 3, 5), policy: sched.SRTF{},
		gantt: "P1 0-1 P2 1-5 P4 5-10 P1 10-17 P3 17-26", waiting: 6.5, turnaround: nan, response: nan,
	},
	{
		cite: "SGG §5.3.2: 'nonpreemptive SJF scheduling would result in an average waiting time of 7.75'",
		jobs: named("P1", 0, 8, "P2", 1, 4, "P3", 2, 9, "P4", 3, 5), policy: sched.SJF{},
		gantt: "P1 0-8 P2 8-12 P4 12-17 P3 17-26", waiting: 7.75, turnaround: nan, response: nan,
	},
	{
		cite: "SGG §5.3.3 RR, quantum 4: P1=24, P2=3, P3=3: P1 waits 10-4 = 6, P2 4, P3 7: 17/3 = 5.66",
		jobs: allAtZero(24, 3, 3), policy: sched.RR{Quantum: 4},
		gantt: "P1 0-4 P2 4-7 P3 7-10 P1 10-30", waiting: 17.0 / 3, turnaround: nan, response: nan,
	},
	{
		cite: "SGG §5.3.4 priority: bursts 10,1,2,1,5, priorities 3,1,4,5,2: average waiting 8.2",
		jobs: withPriorities(allAtZero(10, 1, 2, 1, 5), 3, 1, 4, 5, 2), policy: sched.Priority{},
		gantt: "P2 0-1 P5 1-6 P1 6-16 P3 16-18 P4 18-19", waiting: 8.2, turnaround: nan, response: nan,
	},
	{
		cite: "OSTEP §7.3 FIFO, Figure 7.1: A, B, C of 10 s each: average turnaround (10+20+30)/3 = 20",
		jobs: named("A", 0, 10, "B", 0, 10, "C", 0, 10), policy: sched.FCFS{},
		gantt: "A 0-10 B 10-20 C 20-30", waiting: nan, turnaround: 20, response: nan,
	},
	{
		cite: "OSTEP §7.3 FIFO, Figure 7.2: A=100, B=10, C=10: average turnaround (100+110+120)/3 = 110",
		jobs: named("A", 0, 100, "B", 0, 10, "C", 0, 10), policy: sched.FCFS{},
		gantt: "A 0-100 B 100-110 C 110-120", waiting: nan, turnaround: 110, response: nan,
	},
	{
		cite: "OSTEP §7.4 SJF, Figure 7.3: the same jobs: (10+20+120)/3 = 50",
		jobs: named("A", 0, 100, "B", 0, 10, "C", 0, 10), policy: sched.SJF{},
		gantt: "B 0-10 C 10-20 A 20-120", waiting: nan, turnaround: 50, response: nan,
	},
	{
		cite: "OSTEP §7.5, Figure 7.4: SJF with B, C arriving at 10: (100+(110-10)+(120-10))/3 = 103.33",
		jobs: named("A", 0, 100, "B", 10, 10, "C", 10, 10), policy: sched.SJF{},
		gantt: "A 0-100 B 100-110 C 110-120", waiting: nan, turnaround: 310.0 / 3, response: nan,
	},
	{
		cite: "OSTEP §7.5 STCF, Figure 7.5: ((120-0)+(20-10)+(30-10))/3 = 50",
		jobs: named("A", 0, 100, "B", 10, 10, "C", 10, 10), policy: sched.SRTF{},
		gantt: "A 0-10 B 10-20 C 20-30 A 30-120", waiting: nan, turnaround: 50, response: nan,
	},
	{
		cite: "OSTEP §7.6, Figure 7.6: SJF, A, B, C of 5 s each: average response (0+5+10)/3 = 5",
		jobs: named("A", 0, 5, "B", 0, 5, "C", 0, 5), policy: sched.SJF{},
		gantt: "A 0-5 B 5-10 C 10-15", waiting: nan, turnaround: nan, response: 5,
	},
	{
		cite: "OSTEP §7.7 Round Robin, Figure 7.7: time slice 1: response (0+1+2)/3 = 1; " +
			"'A finishes at 13, B at 14, and C at 15, for an average of 14'",
		jobs: named("A", 0, 5, "B", 0, 5, "C", 0, 5), policy: sched.RR{Quantum: 1},
		gantt:   "A 0-1 B 1-2 C 2-3 A 3-4 B 4-5 C 5-6 A 6-7 B 7-8 C 8-9 A 9-10 B 10-11 C 11-12 A 12-13 B 13-14 C 14-15",
		waiting: nan, turnaround: 14, response: 1,
	},
	{
		// Three queues with 10 ms quanta; A, long-running, has reached the
		// bottom queue when B (20 ms) arrives at 100, runs at once and is
		// done in two quanta, at 120. A's length (200) is ours.
		cite: "OSTEP §8.2 'Example 2: Along Came A Short Job', Figure 8.3",
		jobs: named("A", 0, 200, "B", 100, 20), policy: sched.MLFQ{Quanta: []int{10, 10, 10}},
		gantt: "A 0-100 B 100-120 A 120-220", waiting: nan, turnaround: nan, response: nan,
	},
}

func withPriorities(jobs []sched.Job, prio ...int) []sched.Job {
	for i := range jobs {
		jobs[i].Priority = prio[i]
	}
	return jobs
}

func TestTextbookExamples(t *testing.T) {
	t.Parallel()
	for _, c := range textbook {
		s, err := sched.Run(c.jobs, c.policy)
		if err != nil {
			t.Errorf("%s: %v", c.cite, err)
			continue
		}
		if got := chartString(s.Gantt); got != c.gantt {
			t.Errorf("%s:\nchart %s\nwant  %s", c.cite, got, c.gantt)
		}
		for _, avg := range []struct {
			what      string
			got, want float64
		}{{"waiting", s.AvgWaiting, c.waiting}, {"turnaround", s.AvgTurnaround, c.turnaround}, {"response", s.AvgResponse, c.response}} {
			if !math.IsNaN(avg.want) && math.Abs(avg.got-avg.want) > 1e-9 {
				t.Errorf("%s: average %s %v, want %v", c.cite, avg.what, avg.got, avg.want)
			}
		}
	}
}

// TestTextbookPerJob checks the per-job figures of SGG §5.3.2's preemptive
// SJF example: the waiting times are the terms of the book's sum, the rest
// is read off its Gantt chart.
func TestTextbookPerJob(t *testing.T) {
	t.Parallel()
	s, err := sched.Run(named("P1", 0, 8, "P2", 1, 4, "P3", 2, 9, "P4", 3, 5), sched.SRTF{})
	if err != nil {
		t.Fatal(err)
	}
	want := []sched.Stats{
		{Name: "P1", Arrival: 0, Burst: 8, Start: 0, Finish: 17, Waiting: 9, Turnaround: 17, Response: 0},
		{Name: "P2", Arrival: 1, Burst: 4, Start: 1, Finish: 5, Waiting: 0, Turnaround: 4, Response: 0},
		{Name: "P3", Arrival: 2, Burst: 9, Start: 17, Finish: 26, Waiting: 15, Turnaround: 24, Response: 15},
		{Name: "P4", Arrival: 3, Burst: 5, Start: 5, Finish: 10, Waiting: 2, Turnaround: 7, Response: 2},
	}
	if !slices.Equal(s.Jobs, want) {
		t.Errorf("jobs\n%+v\nwant\n%+v", s.Jobs, want)
	}
	if s.Policy != "srtf" || s.Makespan() != 26 {
		t.Errorf("policy %q, makespan %d", s.Policy, s.Makespan())
	}
	if p3, ok := s.Job("P3"); !ok || p3.Finish != 26 {
		t.Errorf("Job(P3) = %+v, %v", p3, ok)
	}
	if _, ok := s.Job("P9"); ok {
		t.Error("Job(P9) found")
	}
}

// chartString writes a chart as "name start-end ...", "-" for idle.
func chartString(g []sched.Segment) string {
	var b strings.Builder
	for k, s := range g {
		if k > 0 {
			b.WriteByte(' ')
		}
		name := s.Name
		if s.Idle() {
			name = "-"
		}
		b.WriteString(name + " " + itoa(s.Start) + "-" + itoa(s.End))
	}
	return b.String()
}
