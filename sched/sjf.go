package sched

// SJF is shortest job first, non-preemptive: when the CPU is free, the ready
// job with the smallest burst runs to completion.
type SJF struct{}

// Name returns "sjf".
func (SJF) Name() string { return "sjf" }

func (SJF) plan(jobs []Job) ([]Segment, error) {
	return runKeyed(jobs, false, func(j Job, _ int) int { return j.Burst }), nil
}
