//go:build darwin

package shm

import "golang.org/x/sys/unix"

// startTime is when process pid started, in microseconds after the epoch,
// from the kernel's process table.
func startTime(pid int) (uint64, error) {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return 0, err
	}
	t := kp.Proc.P_starttime
	return uint64(t.Sec)*1e6 + uint64(t.Usec), nil
}
