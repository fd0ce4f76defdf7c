package demo

import (
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// endingsDefaultSegv gives SIGSEGV back its default action, as a C program
// has it, and turns core dumps off so that the crash leaves no file.
func endingsDefaultSegv() error {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_DUMPABLE): %w", err)
	}
	// The kernel's struct sigaction: handler, flags, restorer, mask. All
	// zero is SIG_DFL with no flags on every 64-bit Linux.
	var act [4]uint64
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(syscall.SIGSEGV), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0); e != 0 {
		return fmt.Errorf("rt_sigaction(SIGSEGV, SIG_DFL): %w", e)
	}
	return nil
}
