package sched

import "errors"

// Sentinel errors, matched with errors.Is. The errors returned wrap them with
// the details: which job, which value, which line.
var (
	// ErrNoJobs means an empty job list.
	ErrNoJobs = errors.New("no jobs")
	// ErrBadName means a job name that is empty, not UTF-8 or holds
	// control characters.
	ErrBadName = errors.New("job name must be non-empty UTF-8 without control characters")
	// ErrDuplicateName means two jobs with the same name.
	ErrDuplicateName = errors.New("duplicate job name")
	// ErrNegativeArrival means a job arriving before time 0.
	ErrNegativeArrival = errors.New("arrival must not be negative")
	// ErrNonPositiveBurst means a job that needs no CPU time, or less.
	ErrNonPositiveBurst = errors.New("burst must be positive")
	// ErrTooLarge means times beyond MaxTime, or a schedule longer than
	// MaxDispatches dispatches.
	ErrTooLarge = errors.New("schedule too large")
	// ErrNoPolicy means a nil Policy.
	ErrNoPolicy = errors.New("no policy")
	// ErrBadQuantum means a time quantum that is not positive.
	ErrBadQuantum = errors.New("quantum must be positive")
	// ErrNoLevels means an MLFQ without levels.
	ErrNoLevels = errors.New("mlfq needs at least one level")
	// ErrBadBoost means a negative MLFQ boost period.
	ErrBadBoost = errors.New("boost period must not be negative")
	// ErrBadCSV means a job file that is not the CSV ParseCSV reads.
	ErrBadCSV = errors.New("bad job CSV")
	// ErrBadGantt means segments given to Analyze that no single CPU could
	// have run: overlapping, out of order, before a job's arrival, naming an
	// unknown job, or leaving a job out.
	ErrBadGantt = errors.New("bad Gantt chart")
)
