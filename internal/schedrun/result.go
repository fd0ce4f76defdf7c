package schedrun

import (
	"time"

	"mproc/sched"
)

// Result is a real run next to its simulation.
type Result struct {
	// Sim is the simulator's schedule, which the run followed.
	Sim sched.Schedule
	// Real is sched.Analyze over RealGantt in whole units: each span's
	// start and end divided by the unit and rounded to the nearest
	// integer, then, so that the chart stays valid, a start moved no
	// earlier than the end before it and an end at least one unit after
	// its start. Jobs and the Avg fields below hold the unrounded figures.
	Real sched.Schedule
	// RealGantt is the measured spans in time order.
	RealGantt []Span
	// Jobs holds each job's measured figures, in the job list's order.
	Jobs []JobResult
	// The averages over Jobs, in units, unrounded.
	AvgWaiting, AvgTurnaround, AvgResponse float64
	// Makespan is the end of the last span, in units.
	Makespan float64
	// Unit is the wall and CPU time of one unit of the job list.
	Unit time.Duration
	// CPU is the processor the jobs were pinned to.
	CPU int
	// Deviation is the measured error and the dispatch overhead.
	Deviation Deviation
}
