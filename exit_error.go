package mproc

import (
	"fmt"
	"syscall"
)

// ExitError reports a child that ended without returning a result: it called
// Exit, was terminated or killed, or crashed outside its target.
type ExitError struct {
	Name   string
	Pid    int
	Code   int            // Python's exitcode: the exit status, or -N for signal N
	Signal syscall.Signal // the signal that ended it, or 0
}

func (e *ExitError) Error() string {
	if e.Signal != 0 {
		return fmt.Sprintf("mproc: %s (pid %d) was killed by signal %d (%v): exit code %d", e.Name, e.Pid, int(e.Signal), e.Signal, e.Code)
	}
	return fmt.Sprintf("mproc: %s (pid %d) exited with code %d without a result", e.Name, e.Pid, e.Code)
}

// Unwrap makes a clean exit without a result match ErrNoResult.
func (e *ExitError) Unwrap() error {
	if e.Code == 0 {
		return ErrNoResult
	}
	return nil
}
