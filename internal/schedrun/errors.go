package schedrun

import (
	"errors"
	"time"
)

// Limits of a real run.
const (
	// MinUnit is the smallest unit: below it the dispatcher's own
	// latency (a tenth of a millisecond) would be most of a unit.
	MinUnit = time.Millisecond
	// MaxDuration bounds the simulated makespan times the unit.
	MaxDuration = time.Minute
	// MaxJobs bounds the job list: one process per job, all started
	// before the run.
	MaxJobs = 64
)

// Sentinel errors, for errors.Is. Run also returns sched's sentinels for
// bad job lists and policies, and ctx's error when ctx ends the run.
var (
	// ErrUnit means a unit below MinUnit (zero and negative included).
	ErrUnit = errors.New("unit too small")
	// ErrTooLong means a run that would take longer than MaxDuration.
	ErrTooLong = errors.New("real run too long")
	// ErrTooManyJobs means more than MaxJobs jobs.
	ErrTooManyJobs = errors.New("too many jobs for a real run")
	// ErrJobLost means a job process that ended before its time (killed
	// by someone else, say) or could not be controlled.
	ErrJobLost = errors.New("job process lost")
)
