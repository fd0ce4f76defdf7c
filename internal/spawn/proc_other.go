//go:build !linux

package spawn

// ProcStat reads /proc, which this system lacks: ok is false.
func ProcStat(pid int) (state byte, ppid int, ok bool) { return 0, 0, false }

// IsZombieChild cannot tell here: false.
func IsZombieChild(pid int) bool { return false }

// Children cannot list children here: nil. (mproc reaps each child it
// started through its own waiter; this only serves checks and the
// subreaper, which is Linux's.)
func Children() []int { return nil }

// ZombieChildren cannot list them here: nil.
func ZombieChildren() []int { return nil }
