package schedrun

import (
	"context"
	"syscall"
	"time"

	"mproc"
)

// burnDone is what a job reports when it has burnt its burst.
type burnDone struct {
	// CPU is the CPU time it used from its self-stop to its end.
	CPU time.Duration
	// End is when it ended, on CLOCK_MONOTONIC.
	End time.Duration
}

// burn is a job: a child that stops itself at once, so that the dispatcher
// finds it started and stopped, its start-up behind it, and then burns
// CPU until its own CPU clock has advanced by budget since just before
// that stop, and stops itself again before it returns. It never blocks:
// whether it runs is the dispatcher's call, through SIGCONT and SIGSTOP.
var burn = mproc.Register[time.Duration, burnDone]("schedrun.burn", func(ctx context.Context, budget time.Duration) (burnDone, error) {
	base := ownCPU()
	if err := suspend(syscall.Getpid()); err != nil {
		return burnDone{}, err
	}
	for {
		used := ownCPU() - base
		if used >= budget {
			// Stopped once more before it ends: a dispatcher late to stop
			// a slice (a loaded machine) finds the job stopped, its
			// overshoot measured, rather than gone; the last slice
			// continues it past this stop (see finish).
			end := monotonic()
			if err := suspend(syscall.Getpid()); err != nil {
				return burnDone{}, err
			}
			return burnDone{CPU: used, End: end}, nil
		}
		if ctx.Err() != nil {
			return burnDone{}, ctx.Err()
		}
		spin()
	}
})

// sink keeps spin's loop from being optimised away.
var sink uint64

// spin burns a few microseconds of CPU between two reads of the clock
// (a read is a system call of a fraction of a microsecond).
func spin() {
	x := sink | 1
	for range 4096 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	sink = x
}
