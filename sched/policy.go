package sched

// A Policy decides which ready job runs: FCFS, SJF, SRTF, Priority, RR and
// MLFQ. The set is closed; their values carry their parameters.
type Policy interface {
	// Name is the policy's short name, as the mproc sched command spells it
	// (fcfs, sjf, srtf, priority, priority-preemptive, rr, mlfq).
	Name() string
	// plan returns the segments the policy runs for valid jobs, without
	// idle ones, or an error for bad parameters.
	plan(jobs []Job) ([]Segment, error)
}
