package main

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// defaultSegv restores SIGSEGV's default action (a C program's), with core
// dumps off.
func defaultSegv() error {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return err
	}
	var act [4]uint64 // struct sigaction, all zero: SIG_DFL
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(syscall.SIGSEGV), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0); e != 0 {
		return e
	}
	return nil
}
