package mproc

import "context"

// Runner is a process written in CPython's subclass style
// (class P(Process): def run(self)): a value whose Run method is the body.
// Its exported fields are its constructor arguments.
type Runner interface {
	Run(ctx context.Context) error
}

// RegisterRunner registers T's Run method as a process body; start it with
// a T value as the argument:
//
//	type Worker struct{ Name string }
//	func (w Worker) Run(ctx context.Context) error { ... }
//	var workers = mproc.RegisterRunner[Worker]("worker")
//	p, err := workers.Start(ctx, Worker{Name: "bucuo"})
func RegisterRunner[T Runner](name string) *Func[T, None] {
	return Register[T, None](name, func(ctx context.Context, t T) error { return t.Run(ctx) })
}
