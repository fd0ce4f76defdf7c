package sched

import "fmt"

// Analyze computes the Schedule that a Gantt chart makes of jobs. The chart
// may come from an executor that measured real runs: its job segments must
// be in time order, not overlap, start no earlier than their job's arrival and
// name known jobs, and every job must run; idle segments are ignored and the
// returned chart has its own, from time 0. A job's segments need not add up to
// its burst (a measured run takes what it takes): its waiting time is the time
// from arrival to finish it spent off the CPU.
func Analyze(jobs []Job, gantt []Segment) (Schedule, error) {
	if err := validate(jobs); err != nil {
		return Schedule{}, err
	}
	index := make(map[string]int, len(jobs))
	for i, j := range jobs {
		index[j.Name] = i
	}
	stats := make([]Stats, len(jobs))
	ran := make([]int, len(jobs)) // CPU time per job
	var out chart
	end := 0
	for k, s := range gantt {
		if s.Idle() {
			continue
		}
		i, ok := index[s.Name]
		switch {
		case !ok:
			return Schedule{}, fmt.Errorf("sched: %w: segment %d runs %q, which is not a job", ErrBadGantt, k, s.Name)
		case s.Start >= s.End:
			return Schedule{}, fmt.Errorf("sched: %w: segment %d (%q) is empty or reversed: %d to %d", ErrBadGantt, k, s.Name, s.Start, s.End)
		case s.End > MaxTime:
			return Schedule{}, fmt.Errorf("sched: %w: segment %d ends at %d, after MaxTime", ErrTooLarge, k, s.End)
		case s.Start < end:
			return Schedule{}, fmt.Errorf("sched: %w: segment %d (%q) starts at %d, before the one before it ends (%d)", ErrBadGantt, k, s.Name, s.Start, end)
		case s.Start < jobs[i].Arrival:
			return Schedule{}, fmt.Errorf("sched: %w: segment %d runs %q at %d, before it arrives (%d)", ErrBadGantt, k, s.Name, s.Start, jobs[i].Arrival)
		}
		if s.Start > end {
			out.add("", end, s.Start)
		}
		out.add(s.Name, s.Start, s.End)
		end = s.End
		if ran[i] == 0 {
			stats[i].Start = s.Start
		}
		ran[i] += s.Len()
		stats[i].Finish = s.End
	}
	var sum [3]float64 // exact below 2^53, and no overflow above
	for i, j := range jobs {
		if ran[i] == 0 {
			return Schedule{}, fmt.Errorf("sched: %w: job %q never runs", ErrBadGantt, j.Name)
		}
		st := &stats[i]
		st.Name, st.Arrival, st.Burst, st.Priority = j.Name, j.Arrival, j.Burst, j.Priority
		st.Turnaround = st.Finish - j.Arrival
		st.Waiting = st.Turnaround - ran[i]
		st.Response = st.Start - j.Arrival
		sum[0] += float64(st.Waiting)
		sum[1] += float64(st.Turnaround)
		sum[2] += float64(st.Response)
	}
	n := float64(len(jobs))
	return Schedule{
		Jobs:          stats,
		Gantt:         out,
		AvgWaiting:    sum[0] / n,
		AvgTurnaround: sum[1] / n,
		AvgResponse:   sum[2] / n,
	}, nil
}
