package sched

// Priority runs the ready job with the lowest Priority number (the highest
// priority). Without Preemptive, the chosen job runs to completion; with it,
// an arriving job of strictly higher priority preempts the running one.
type Priority struct {
	Preemptive bool
}

// Name returns "priority", or "priority-preemptive".
func (p Priority) Name() string {
	if p.Preemptive {
		return "priority-preemptive"
	}
	return "priority"
}

func (p Priority) plan(jobs []Job) ([]Segment, error) {
	return runKeyed(jobs, p.Preemptive, func(j Job, _ int) int { return j.Priority }), nil
}
