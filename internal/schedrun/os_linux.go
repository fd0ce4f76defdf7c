package schedrun

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// monotonic reads CLOCK_MONOTONIC, the one clock that the dispatcher and its
// children read alike (Go's monotonic readings are private to a process).
func monotonic() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) // cannot fail for this clock
	return time.Duration(ts.Nano())
}

// ownCPU is the CPU time this process has used, all its threads together.
func ownCPU() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

// processCPU reads the CPU clock of process pid, all its threads together:
// Linux lets any process read another's (clock_getcpuclockid(3)). The
// caller makes sure pid has not been reaped.
func processCPU(pid int) (time.Duration, error) {
	// MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED) from the kernel's headers.
	clock := int32(^uint32(pid)<<3 | 2)
	var ts unix.Timespec
	if err := unix.ClockGettime(clock, &ts); err != nil {
		return 0, fmt.Errorf("reading the CPU clock of pid %d: %w", pid, err)
	}
	return time.Duration(ts.Nano()), nil
}

// errExited says a child ended where it should have stopped.
var errExited = errors.New("exited")

// waitStopped blocks until child pid is stopped (by a SIGSTOP), or returns
// errExited if it ended. WNOWAIT leaves the status for mproc's own waiter,
// which reaps the child when it exits; stops do not concern that waiter
// (it waits with WEXITED only).
func waitStopped(pid int) error {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WSTOPPED|unix.WEXITED|unix.WNOWAIT, nil)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.ECHILD:
			return errExited // reaped already
		case err != nil:
			return fmt.Errorf("waitid on pid %d: %w", pid, err)
		case info.Code == cldStopped:
			return nil
		}
		return errExited
	}
}

// CLD_STOPPED, siginfo's si_code for a child that stopped.
const cldStopped = 5

// pin binds every thread of stopped process pid to cpu. Threads the process
// makes later inherit the binding from the thread that makes them.
func pin(pid, cpu int) error {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var set unix.CPUSet
	set.Set(cpu)
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetaffinity(tid, &set); err != nil && err != unix.ESRCH {
			return fmt.Errorf("pinning thread %d of pid %d to CPU %d: %w", tid, pid, cpu, err)
		}
	}
	return nil
}

// jobCPU picks the CPU the jobs share: the last one this process may use,
// the first one being where the kernel tends to put everything else.
func jobCPU() (int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return 0, fmt.Errorf("reading this process's CPU affinity: %w", err)
	}
	for cpu := len(set)*8*int(unsafe.Sizeof(set[0])) - 1; cpu >= 0; cpu-- {
		if set.IsSet(cpu) {
			return cpu, nil
		}
	}
	return 0, errors.New("this process may run on no CPU")
}

// nap sleeps d at most, with nanosleep's precision (tens of µs; Go's timers
// overshoot by up to a millisecond on Linux).
func nap(d time.Duration) {
	ts := unix.NsecToTimespec(int64(d))
	unix.Nanosleep(&ts, nil) // EINTR: a short nap, which callers allow for
}
