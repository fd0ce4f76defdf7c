package lockword

import "golang.org/x/sys/unix"

// sZomb is XNU's SZOMB process state.
const sZomb = 5

// isZombie asks the kernel's process table.
func isZombie(pid int) bool {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	return err == nil && kp.Proc.P_stat == sZomb
}
