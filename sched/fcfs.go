package sched

// FCFS is first-come, first-served: jobs run to completion in the order they
// arrive (simultaneous arrivals in list order).
type FCFS struct{}

// Name returns "fcfs".
func (FCFS) Name() string { return "fcfs" }

func (FCFS) plan(jobs []Job) ([]Segment, error) {
	return runKeyed(jobs, false, func(Job, int) int { return 0 }), nil
}
