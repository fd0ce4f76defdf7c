package mproc

import "context"

// Shutdown ends this process's children the way CPython does at exit: it
// stops the warm spares, terminates daemon children and waits for them, then
// waits for the non-daemon children to finish. Last, the shared memory
// tracker unlinks the named segments this process created and did not
// unlink. It returns ctx's error if they have not all ended by then.
//
// A program that returns from main without Shutdown still ends its daemons
// and spares (they die with it, even on SIGKILL), but its non-daemon children
// go on running as orphans, as the seeds describe: the init process (or the
// nearest subreaper, see SetSubreaper) adopts and reaps them.
func Shutdown(ctx context.Context) error {
	WarmSpares(0)
	all := ActiveChildren()
	for _, p := range all {
		if p.Daemon() {
			p.Terminate()
		}
	}
	for _, p := range all {
		if err := p.Join(ctx); err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
	}
	stopTracker(ctx.Done())
	return ctx.Err()
}
