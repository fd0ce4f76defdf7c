package main

import (
	"fmt"
	"time"

	"mproc"
	"mproc/internal/chaos"
)

// chaosCmd is `mproc chaos [--duration D] [--runs N] [--json] [CASE...]`.
type chaosCmd struct {
	Duration time.Duration
	Runs     int
	JSON     bool
	Cases    []string // default: all
}

// Run repeats the cases at full scale; progress goes to stderr, the table
// (or JSON) to stdout. Any failed run makes it fail.
func (c *chaosCmd) Run(a *app) error {
	cases, err := chaos.Select(c.Cases)
	if err != nil {
		return err
	}
	// The parent-killed case orphans processes on purpose: adopt and reap
	// them here rather than leave them to an init that may not.
	if err := mproc.SetSubreaper(); err != nil {
		return err
	}
	results := chaos.Run(a.ctx, cases, chaos.Options{
		Runs:     c.Runs,
		Duration: c.Duration,
		Scale:    chaos.Full,
		Progress: func(cs chaos.Case, run int, took time.Duration, err error) {
			if err != nil {
				fmt.Fprintf(a.stderr, "%s run %d: FAIL after %v: %s\n", cs.Name, run, took, indentRest(err.Error()))
			}
		},
	})
	if c.JSON {
		if err := chaos.WriteJSON(a.stdout, results); err != nil {
			return err
		}
	} else {
		chaos.WriteTable(a.stdout, results)
	}
	failed := 0
	for _, r := range results {
		failed += r.Failures
	}
	if failed > 0 {
		return fmt.Errorf("chaos: %d failed runs", failed)
	}
	return nil
}
