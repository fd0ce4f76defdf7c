package schedrun

import "time"

// A JobResult is one job's measured figures. The times are in units, as
// floats: the wall times divided by the unit, unrounded.
type JobResult struct {
	Name string
	// CPU is the CPU time the job used, by its own clock, from just
	// before it stopped itself at start-up to the end of its burn; Burst
	// is what it was to use, its burst times the unit.
	CPU, Burst time.Duration
	// As in sched.Stats: first time on the CPU, last time off it, and
	// what follows from them and the arrival. Waiting is Turnaround less
	// the wall time of the job's spans.
	Start, Finish, Waiting, Turnaround, Response float64
	// FinishError is Finish less the simulation's finish, in units.
	FinishError float64
}
