package chaos

import (
	"context"
	"fmt"
	"time"
)

// Run repeats each case as opts says and counts its runs. It stops early,
// with what it counted, when ctx ends.
func Run(ctx context.Context, cases []Case, opts Options) []Result {
	if opts.Runs < 1 {
		opts.Runs = 1
	}
	if opts.Scale == (Scale{}) {
		opts.Scale = Full
	}
	var results []Result
	for _, c := range cases {
		r := Result{Case: c.Name}
		began := time.Now()
		for ctx.Err() == nil && (r.Runs < opts.Runs || time.Since(began) < opts.Duration) {
			took, err := runOnce(ctx, c, opts.Scale)
			r.add(took, err)
			if opts.Progress != nil {
				opts.Progress(c, r.Runs, took, err)
			}
		}
		results = append(results, r)
	}
	return results
}

// runOnce runs one trial within the case's timeout; a panic counts as a
// failure.
func runOnce(ctx context.Context, c Case, s Scale) (took time.Duration, err error) {
	tctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	took, err = c.Trial(tctx, s)
	if err != nil && tctx.Err() != nil && ctx.Err() == nil {
		err = fmt.Errorf("the trial did not end within %v: %w", c.Timeout, err)
	}
	return took, err
}
