package mproc

import (
	"fmt"
	"syscall"
	"time"

	"mproc/internal/spawn"
)

// A child's start has three stretches, and the start timeout is the rule
// for only one of them:
//
//  1. From the exec until the child reports in (the spawn package's init,
//     the first code the child runs): the child cannot fall short here, it
//     can only be slow. Start's ctx bounds it.
//  2. From that report until mproc.Main: the child itself counts the start
//     timeout, without the time it waited for a CPU, and exits with
//     exitNoMain when it runs out. A child that exits here, that way or by
//     returning from main, lacks mproc.Main: that and only that is
//     ErrNoMain.
//  3. From mproc.Main until it accepts its work: slowness again, bounded by
//     ctx.
//
// startBackstop, far beyond any start that is merely slow, ends a start
// whose ctx never ends and whose child is wedged (stopped, say) in any
// stretch: the child is killed and Start fails with ErrTimeout.
func startBackstop(timeout time.Duration) time.Duration {
	return max(20*timeout, time.Minute)
}

// diedStarting says why child c of the given name ended before it accepted
// its work; ready is whether it had reached mproc.Main. It waits for c to be
// reaped.
func diedStarting(c *spawn.Child, name string, ready bool, timeout time.Duration) error {
	<-c.Exited()
	code, sig := c.ExitCode()
	exit := &ExitError{Name: name, Pid: c.Pid, Code: code, Signal: sig}
	switch {
	case ready:
		return exit
	case sig != 0:
		return fmt.Errorf("mproc: the child was killed while starting, before it reached mproc.Main: %w", exit)
	case !closedChan(c.Booted()):
		return fmt.Errorf("mproc: the child ended before its Go runtime got to mproc's initialization: %w", exit)
	case code == exitNoMain:
		return fmt.Errorf("%w: the child (pid %d) did not reach mproc.Main within %v of running (time spent waiting for a CPU not counted) and gave up; add mproc.Main() as the first line of main (and of TestMain in tests)", ErrNoMain, c.Pid, timeout)
	}
	return fmt.Errorf("%w: the child (pid %d) exited with code %d before reaching mproc.Main; add mproc.Main() as the first line of main (if it is there, the child's standard error says why it ended)", ErrNoMain, c.Pid, code)
}

// stuckStarting kills child c, which has run past startBackstop without
// accepting its work, and says where it was.
func stuckStarting(c *spawn.Child, name string, ready bool, timeout time.Duration) error {
	c.Signal(syscall.SIGKILL)
	limit := startBackstop(timeout)
	switch {
	case ready:
		return fmt.Errorf("%w: %s (pid %d) did not accept its work within %v and was killed", ErrTimeout, name, c.Pid, limit)
	case closedChan(c.Booted()):
		return fmt.Errorf("%w: the child (pid %d) neither reached mproc.Main nor gave up within %v (is it stopped?) and was killed", ErrTimeout, c.Pid, limit)
	}
	return fmt.Errorf("%w: the child (pid %d) did not begin to run within %v and was killed", ErrTimeout, c.Pid, limit)
}
