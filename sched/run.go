package sched

import "fmt"

// Run schedules jobs with policy p. It returns an error for an invalid job
// list (see the sentinels) or invalid policy parameters.
func Run(jobs []Job, p Policy) (Schedule, error) {
	if p == nil {
		return Schedule{}, fmt.Errorf("sched: %w", ErrNoPolicy)
	}
	if err := validate(jobs); err != nil {
		return Schedule{}, err
	}
	segs, err := p.plan(jobs)
	if err != nil {
		return Schedule{}, err
	}
	s, err := Analyze(jobs, segs)
	if err != nil {
		// A policy made a chart Analyze refuses: a bug here, not bad input.
		return Schedule{}, fmt.Errorf("sched: %s made an invalid chart: %w", p.Name(), err)
	}
	s.Policy = p.Name()
	return s, nil
}
