package mproc

import (
	"context"
)

// Proc is a child process whose function returns an R: a *Process with a
// typed Wait. Func.Start and Func.Process return one.
type Proc[R any] struct {
	*Process
}

// Wait waits for the process to end and returns its function's result. The
// error is a *RemoteError when the function returned an error or panicked
// (exit code 1), an *ExitError when the process ended without a result
// (Exit, Terminate, Kill, a crash), or ctx's error when ctx ends first.
func (p *Proc[R]) Wait(ctx context.Context) (R, error) {
	var zero R
	if err := p.Join(ctx); err != nil {
		return zero, err
	}
	v, err := p.outcome()
	if err != nil {
		return zero, err
	}
	// A nil interface result (R is any or error, say) arrives as a nil any,
	// which the assertion would refuse.
	r, _ := v.(R)
	return r, nil
}
