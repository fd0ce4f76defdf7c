package sched

import "fmt"

// JobError is a job that is not valid: Index is its place in the list, Err
// wraps one of the sentinels.
type JobError struct {
	Index int
	Name  string
	Err   error
}

func (e *JobError) Error() string {
	return fmt.Sprintf("sched: job %d (%q): %v", e.Index, e.Name, e.Err)
}

func (e *JobError) Unwrap() error { return e.Err }
