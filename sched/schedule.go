package sched

// A Schedule is a policy's answer for a job list.
type Schedule struct {
	// Policy is the Name of the policy that made it; empty from Analyze.
	Policy string
	// Jobs holds each job's figures, in the order of the job list.
	Jobs []Stats
	// Gantt is the chart: segments in time order from 0 to the last
	// finish, idle stretches included (with an empty Name).
	Gantt []Segment
	// The averages over Jobs.
	AvgWaiting, AvgTurnaround, AvgResponse float64
}

// Job returns the figures of the job called name.
func (s Schedule) Job(name string) (Stats, bool) {
	for _, j := range s.Jobs {
		if j.Name == name {
			return j, true
		}
	}
	return Stats{}, false
}

// Makespan is the time the last job finishes.
func (s Schedule) Makespan() int {
	if len(s.Gantt) == 0 {
		return 0
	}
	return s.Gantt[len(s.Gantt)-1].End
}
