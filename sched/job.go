package sched

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxTime bounds arrivals, bursts and the length of a schedule (the latest
// arrival plus all bursts), so that no sum overflows and every average is
// exact in a float64.
const MaxTime = 1 << 53

// A Job is a unit of work to schedule: it arrives at Arrival and needs Burst
// units of CPU time. Priority matters to the Priority policy only; a lower
// number is a higher priority.
type Job struct {
	Name     string
	Arrival  int
	Burst    int
	Priority int
}

// check reports what is wrong with one job on its own.
func (j Job) check() error {
	switch {
	case !validName(j.Name):
		return ErrBadName
	case j.Arrival < 0:
		return fmt.Errorf("%w, got %d", ErrNegativeArrival, j.Arrival)
	case j.Burst <= 0:
		return fmt.Errorf("%w, got %d", ErrNonPositiveBurst, j.Burst)
	case j.Arrival > MaxTime:
		return fmt.Errorf("%w: arrival %d is above MaxTime", ErrTooLarge, j.Arrival)
	case j.Burst > MaxTime:
		return fmt.Errorf("%w: burst %d is above MaxTime", ErrTooLarge, j.Burst)
	}
	return nil
}

func validName(s string) bool {
	return s != "" && utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// validate checks a job list as a whole: each job, unique names, and a
// schedule length within MaxTime.
func validate(jobs []Job) error {
	if len(jobs) == 0 {
		return fmt.Errorf("sched: %w", ErrNoJobs)
	}
	seen := make(map[string]int, len(jobs))
	work, last := 0, 0
	for i, j := range jobs {
		if err := j.check(); err != nil {
			return &JobError{Index: i, Name: j.Name, Err: err}
		}
		if k, dup := seen[j.Name]; dup {
			return &JobError{Index: i, Name: j.Name, Err: fmt.Errorf("%w: job %d has it too", ErrDuplicateName, k)}
		}
		seen[j.Name] = i
		work += j.Burst // each term is at most MaxTime: no overflow before the check
		last = max(last, j.Arrival)
		if work > MaxTime || last+work > MaxTime {
			return fmt.Errorf("sched: %w: the jobs need more than MaxTime units", ErrTooLarge)
		}
	}
	return nil
}

// MaxDispatches bounds how many times a quantum-driven policy (RR, MLFQ) may
// hand out the CPU, and so the memory and time a schedule takes: a burst of
// 10^12 units in quanta of 1 is refused with ErrTooLarge rather than
// simulated. A job that runs alone through several quanta is one dispatch.
const MaxDispatches = 1 << 20
