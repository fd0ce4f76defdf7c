package schedrun

import "time"

// A Span is one stretch of a job on the CPU as measured: from just before
// the dispatcher's SIGCONT to the moment waitid saw the job stopped after
// its SIGSTOP, or, for a job's last stretch, to the moment the job itself
// saw its burst used up (its exit follows, and counts as dispatch overhead).
type Span struct {
	Name string
	// Start and End are wall times from the run's start, the time 0 of
	// the job list.
	Start, End time.Duration
	// CPU is the CPU time the job used in the span, by its own clock.
	CPU time.Duration
	// Plan is the CPU time the simulation gave the segment: its length
	// in units times the unit.
	Plan time.Duration
}
