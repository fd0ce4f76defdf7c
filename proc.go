package mproc

import (
	"context"

	"mproc/internal/wire"
)

// Proc is a child process whose function returns an R: a *Process with a
// typed Wait. Func.Start and Func.Process return one.
type Proc[R any] struct {
	*Process
	res *wire.Coder[R]
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
	b, ok, err := p.outcome()
	if !ok {
		return zero, err
	}
	return p.res.Decode(b)
}
