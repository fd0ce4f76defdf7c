//go:build unix && (!linux || mproc_portable)

package lockword

import "golang.org/x/sys/unix"

// PidAlive reports whether pid is running (a zombie is not). Without
// pidfds: kill(pid, 0) says whether the pid exists, and since it succeeds
// on a zombie, the system's process table says whether it is one. Only a
// definite answer counts as death: a lock taken from a live holder is far
// worse than one handed over a little late, so any other failure means
// alive. (A pid recycled by an unrelated process reads as alive too: the
// lock then waits for that process, as it would for the holder.)
func PidAlive(pid int) bool {
	if pid <= 0 {
		return true
	}
	if err := unix.Kill(pid, 0); err == unix.ESRCH {
		return false
	}
	return !isZombie(pid)
}
