//go:build linux && !mproc_portable

package futex

// Linux futexes without the PRIVATE flag, so that the kernel keys them by
// the shared page, not the address space.

import (
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	opWait = 0 // FUTEX_WAIT
	opWake = 1 // FUTEX_WAKE
)

// Wait sleeps while *addr == val, for at most d (d <= 0: no limit). It
// returns true when woken or when *addr differed, false on timeout. Spurious
// wake-ups are possible: callers re-check their condition.
func Wait(addr *uint32, val uint32, d time.Duration) bool {
	var ts *unix.Timespec
	if d > 0 {
		t := unix.NsecToTimespec(d.Nanoseconds())
		ts = &t
	}
	_, _, errno := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), opWait, uintptr(val), uintptr(unsafe.Pointer(ts)), 0, 0)
	return errno != syscall.ETIMEDOUT
}

// Wake wakes up to n waiters on addr and returns how many it woke.
func Wake(addr *uint32, n int) int {
	r, _, _ := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), opWake, uintptr(n), 0, 0, 0)
	return int(r)
}
