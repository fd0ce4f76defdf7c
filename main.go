package mproc

import (
	"fmt"
	"os"
	"sync/atomic"

	"mproc/internal/spawn"
)

var mainCalled atomic.Bool

// A child that never reaches Main gives up instead of running the program
// any further: after the start timeout, counted from its report to the
// parent and without the time it spent waiting for a CPU (see
// WithStartTimeout). Its exit code tells the parent why.
func init() {
	v, ok := os.LookupEnv(spawn.EnvChild)
	if !ok {
		return
	}
	if _, wait, ok := spawn.ParseEnv(v); ok && wait > 0 {
		spawn.AfterRunnable(wait, mainCalled.Load, func() {
			fmt.Fprintln(os.Stderr, "mproc: this program was started as an mproc child but main did not call mproc.Main(); add mproc.Main() as the first line of main")
			os.Exit(exitNoMain)
		})
	}
}

const exitNoMain = 70 // EX_SOFTWARE

// Main must be the first call in main (and in TestMain). In a child process
// it runs the function the parent asked for and exits, so nothing after it
// runs there; in the program started by hand it returns at once. It is Go's
// `if __name__ == '__main__':`.
//
//	func main() {
//		mproc.Main()
//		// the parent's program
//	}
func Main() {
	mainCalled.Store(true)
	v, ok := os.LookupEnv(spawn.EnvChild)
	if !ok {
		return
	}
	os.Unsetenv(spawn.EnvChild) // programs this child runs are not mproc children
	if os.Getenv(envRole) == roleTracker {
		os.Exit(runTracker())
	}
	os.Exit(runChild(v))
}

// canStart refuses to start children where that cannot work.
func canStart() error {
	if !mainCalled.Load() {
		if _, child := os.LookupEnv(spawn.EnvChild); child {
			return fmt.Errorf("%w: this process is an mproc child whose main did not call mproc.Main(); add mproc.Main() as the first line of main", ErrNoMain)
		}
		return fmt.Errorf("%w: call mproc.Main() as the first line of main (and of TestMain in tests) before starting processes: children run the same binary and need it to find their work", ErrNoMain)
	}
	if Current().cfg.daemon {
		return ErrDaemonic
	}
	return nil
}
