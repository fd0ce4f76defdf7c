package sched_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"mproc/sched"
)

// randomJobs makes 1 to 8 jobs with small arrivals, bursts and priorities,
// so that ties and simultaneous events are frequent.
func randomJobs(rng *rand.Rand) []sched.Job {
	jobs := make([]sched.Job, 1+rng.IntN(8))
	for i := range jobs {
		jobs[i] = sched.Job{
			Name:     fmt.Sprintf("J%d", i),
			Arrival:  rng.IntN(16),
			Burst:    1 + rng.IntN(10),
			Priority: rng.IntN(4),
		}
	}
	return jobs
}

func randomMLFQ(rng *rand.Rand) sched.MLFQ {
	p := sched.MLFQ{Quanta: make([]int, 1+rng.IntN(3))}
	for l := range p.Quanta {
		p.Quanta[l] = 1 + rng.IntN(6)
	}
	if rng.IntN(2) == 0 {
		p.Boost = 1 + rng.IntN(20)
	}
	return p
}

// policies returns every policy, the quantum-driven ones with random
// parameters.
func policies(rng *rand.Rand) []sched.Policy {
	return []sched.Policy{
		sched.FCFS{}, sched.SJF{}, sched.SRTF{}, sched.Priority{}, sched.Priority{Preemptive: true},
		sched.RR{Quantum: 1 + rng.IntN(6)}, randomMLFQ(rng),
	}
}

const propertyCases = 3000

func newRand(t *testing.T) *rand.Rand {
	seed := uint64(20240501)
	t.Logf("seed %d", seed)
	return rand.New(rand.NewPCG(seed, seed))
}

// TestInvariants checks what holds for every schedule of every policy.
func TestInvariants(t *testing.T) {
	t.Parallel()
	rng := newRand(t)
	for range propertyCases {
		jobs := randomJobs(rng)
		makespan := -1
		for _, p := range policies(rng) {
			s, err := sched.Run(jobs, p)
			if err != nil {
				t.Fatalf("%s on %v: %v", p.Name(), jobs, err)
			}
			if err := checkSchedule(jobs, s); err != nil {
				t.Fatalf("%s %+v on %v: %v\nchart %s", p.Name(), p, jobs, err, chartString(s.Gantt))
			}
			// Every policy keeps the CPU busy while a job is ready, so all
			// end at the same time.
			if makespan >= 0 && s.Makespan() != makespan {
				t.Fatalf("%s on %v ends at %d, others at %d", p.Name(), jobs, s.Makespan(), makespan)
			}
			makespan = s.Makespan()
			// Analyze, given the chart back, finds the same schedule.
			again, err := sched.Analyze(jobs, s.Gantt)
			again.Policy = s.Policy
			if err != nil || !reflect.DeepEqual(again, s) {
				t.Fatalf("%s on %v: Analyze of the chart gives %+v, %v; Run gave %+v", p.Name(), jobs, again, err, s)
			}
		}
	}
}

// checkSchedule verifies a schedule against its jobs.
func checkSchedule(jobs []sched.Job, s sched.Schedule) error {
	end := 0
	ran := map[string]int{}
	segments := map[string]int{}
	for k, g := range s.Gantt {
		switch {
		case g.Start != end:
			return fmt.Errorf("segment %d starts at %d, not where the last ended (%d)", k, g.Start, end)
		case g.End <= g.Start:
			return fmt.Errorf("segment %d is empty", k)
		case k > 0 && s.Gantt[k-1].Name == g.Name:
			return fmt.Errorf("segments %d and %d are the same job's and touch", k-1, k)
		}
		end = g.End
		ran[g.Name] += g.Len()
		segments[g.Name]++
	}
	if len(s.Jobs) != len(jobs) {
		return fmt.Errorf("%d stats for %d jobs", len(s.Jobs), len(jobs))
	}
	var sum [3]int
	last := 0
	for i, j := range jobs {
		st := s.Jobs[i]
		if st.Name != j.Name || st.Arrival != j.Arrival || st.Burst != j.Burst || st.Priority != j.Priority {
			return fmt.Errorf("stats %d are %+v for job %+v", i, st, j)
		}
		// Work is conserved.
		if ran[j.Name] != j.Burst {
			return fmt.Errorf("%s ran %d units, burst %d", j.Name, ran[j.Name], j.Burst)
		}
		first, lastEnd := -1, -1
		for _, g := range s.Gantt {
			if g.Name != j.Name {
				continue
			}
			if g.Start < j.Arrival {
				return fmt.Errorf("%s runs at %d, before it arrives at %d", j.Name, g.Start, j.Arrival)
			}
			if first < 0 {
				first = g.Start
			}
			lastEnd = g.End
		}
		if st.Start != first || st.Finish != lastEnd {
			return fmt.Errorf("%s: start %d finish %d, chart says %d and %d", j.Name, st.Start, st.Finish, first, lastEnd)
		}
		if st.Turnaround != st.Finish-j.Arrival || st.Waiting != st.Turnaround-j.Burst || st.Response != st.Start-j.Arrival {
			return fmt.Errorf("%s: inconsistent figures %+v", j.Name, st)
		}
		if st.Response < 0 || st.Response > st.Waiting {
			return fmt.Errorf("%s: response %d, waiting %d", j.Name, st.Response, st.Waiting)
		}
		sum[0] += st.Waiting
		sum[1] += st.Turnaround
		sum[2] += st.Response
		last = max(last, st.Finish)
	}
	if end != last || s.Makespan() != last {
		return fmt.Errorf("chart ends at %d, makespan %d, last finish %d", end, s.Makespan(), last)
	}
	n := float64(len(jobs))
	if s.AvgWaiting != float64(sum[0])/n || s.AvgTurnaround != float64(sum[1])/n || s.AvgResponse != float64(sum[2])/n {
		return fmt.Errorf("averages %v %v %v, sums %v", s.AvgWaiting, s.AvgTurnaround, s.AvgResponse, sum)
	}
	// No idle stretch while a job is in the system (arrived, not finished).
	for _, g := range s.Gantt {
		if !g.Idle() {
			continue
		}
		for _, st := range s.Jobs {
			if st.Arrival < g.End && st.Finish > g.Start {
				return fmt.Errorf("idle %d-%d while %s is in the system", g.Start, g.End, st.Name)
			}
		}
	}
	// The non-preemptive policies run each job in one piece.
	switch s.Policy {
	case "fcfs", "sjf", "priority":
		for name, k := range segments {
			if name != "" && k != 1 {
				return fmt.Errorf("%s runs in %d pieces", name, k)
			}
		}
	}
	return nil
}

// TestAgainstTickSimulators compares every policy with a simulator that
// goes one time unit at a time.
func TestAgainstTickSimulators(t *testing.T) {
	t.Parallel()
	rng := newRand(t)
	for range propertyCases {
		jobs := randomJobs(rng)
		mlfq := randomMLFQ(rng)
		q := 1 + rng.IntN(6)
		cases := []struct {
			p    sched.Policy
			want string
		}{
			{sched.FCFS{}, keyedTick(jobs, false, func(sched.Job, int) int { return 0 })},
			{sched.SJF{}, keyedTick(jobs, false, func(j sched.Job, _ int) int { return j.Burst })},
			{sched.SRTF{}, keyedTick(jobs, true, func(_ sched.Job, left int) int { return left })},
			{sched.Priority{}, keyedTick(jobs, false, func(j sched.Job, _ int) int { return j.Priority })},
			{sched.Priority{Preemptive: true}, keyedTick(jobs, true, func(j sched.Job, _ int) int { return j.Priority })},
			{sched.RR{Quantum: q}, mlfqTick(jobs, []int{q}, 0)},
			{mlfq, mlfqTick(jobs, mlfq.Quanta, mlfq.Boost)},
		}
		for _, c := range cases {
			s, err := sched.Run(jobs, c.p)
			if err != nil {
				t.Fatal(err)
			}
			if got := chartString(s.Gantt); got != c.want {
				t.Fatalf("%s %+v on %+v:\nchart %s\ntick  %s", c.p.Name(), c.p, jobs, got, c.want)
			}
		}
	}
}

// TestRelations checks what policies have to do with each other.
func TestRelations(t *testing.T) {
	t.Parallel()
	rng := newRand(t)
	sameChart := func(jobs []sched.Job, a, b sched.Policy, why string) {
		t.Helper()
		sa, errA := sched.Run(jobs, a)
		sb, errB := sched.Run(jobs, b)
		if errA != nil || errB != nil || !slices.Equal(sa.Gantt, sb.Gantt) {
			t.Fatalf("%s: on %+v\n%s: %s %v\n%s: %s %v", why, jobs, a.Name(), chartString(sa.Gantt), errA, b.Name(), chartString(sb.Gantt), errB)
		}
	}
	for range propertyCases {
		jobs := randomJobs(rng)
		maxBurst := 0
		for _, j := range jobs {
			maxBurst = max(maxBurst, j.Burst)
		}
		sameChart(jobs, sched.FCFS{}, sched.RR{Quantum: math.MaxInt}, "FCFS is RR with an infinite quantum")
		sameChart(jobs, sched.FCFS{}, sched.RR{Quantum: maxBurst}, "FCFS is RR with a quantum no job exceeds")
		sameChart(jobs, sched.FCFS{}, sched.MLFQ{Quanta: []int{math.MaxInt, 1}}, "FCFS is an MLFQ whose top quantum no job exceeds")
		q := 1 + rng.IntN(6)
		sameChart(jobs, sched.RR{Quantum: q}, sched.MLFQ{Quanta: []int{q}}, "RR is a one-level MLFQ")
		byBurst := slices.Clone(jobs)
		equal := slices.Clone(jobs)
		atZero := slices.Clone(jobs)
		for i := range jobs {
			byBurst[i].Priority = jobs[i].Burst
			equal[i].Priority = 7
			atZero[i].Arrival = 0
		}
		sameChart(byBurst, sched.SJF{}, sched.Priority{}, "SJF is priority by burst")
		sameChart(equal, sched.FCFS{}, sched.Priority{}, "priority with equal priorities is FCFS")
		sameChart(equal, sched.FCFS{}, sched.Priority{Preemptive: true}, "preemptive priority with equal priorities is FCFS")
		sameChart(atZero, sched.SJF{}, sched.SRTF{}, "SRTF never preempts when all arrive at once")

		// SRTF minimises the total waiting time (Schrage, 1968): no policy
		// does better on the same jobs.
		best, err := sched.Run(jobs, sched.SRTF{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range policies(rng) {
			s, err := sched.Run(jobs, p)
			if err != nil {
				t.Fatal(err)
			}
			if totalWaiting(s) < totalWaiting(best) {
				t.Fatalf("%s waits %d in all, SRTF %d, on %+v", p.Name(), totalWaiting(s), totalWaiting(best), jobs)
			}
		}

		// Round robin: a job waits for at most the others' quanta before it
		// first runs.
		s, err := sched.Run(jobs, sched.RR{Quantum: q})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range s.Jobs {
			if st.Response > (len(jobs)-1)*q {
				t.Fatalf("RR q=%d: %s responds after %d, more than %d jobs' quanta, on %+v", q, st.Name, st.Response, len(jobs)-1, jobs)
			}
		}
	}
}

func totalWaiting(s sched.Schedule) int {
	w := 0
	for _, st := range s.Jobs {
		w += st.Waiting
	}
	return w
}

// TestScaling checks that multiplying every time (arrivals, bursts, quanta,
// boost) by k multiplies the chart by k; with a large k this runs the
// shortcuts for a job alone on the CPU over long stretches.
func TestScaling(t *testing.T) {
	t.Parallel()
	rng := newRand(t)
	for range propertyCases / 10 {
		jobs := randomJobs(rng)
		k := []int{3, 1_000_000_007}[rng.IntN(2)]
		scaled := slices.Clone(jobs)
		for i := range scaled {
			scaled[i].Arrival *= k
			scaled[i].Burst *= k
		}
		for _, p := range policies(rng) {
			sp := p
			switch p := p.(type) {
			case sched.RR:
				sp = sched.RR{Quantum: p.Quantum * k}
			case sched.MLFQ:
				m := sched.MLFQ{Boost: p.Boost * k}
				for _, q := range p.Quanta {
					m.Quanta = append(m.Quanta, q*k)
				}
				sp = m
			}
			s, err := sched.Run(jobs, p)
			if err != nil {
				t.Fatal(err)
			}
			ss, err := sched.Run(scaled, sp)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(s.Gantt)
			for i := range want {
				want[i].Start *= k
				want[i].End *= k
			}
			if !slices.Equal(ss.Gantt, want) {
				t.Fatalf("%s %+v scaled by %d on %+v:\n%s\nwant %s", p.Name(), p, k, jobs, chartString(ss.Gantt), chartString(want))
			}
		}
	}
}
