package sched

// SRTF is shortest remaining time first, the preemptive SJF: the ready job
// with the least work left runs, and an arriving job with strictly less work
// than the running job has left preempts it.
type SRTF struct{}

// Name returns "srtf".
func (SRTF) Name() string { return "srtf" }

func (SRTF) plan(jobs []Job) ([]Segment, error) {
	return runKeyed(jobs, true, func(_ Job, left int) int { return left }), nil
}
