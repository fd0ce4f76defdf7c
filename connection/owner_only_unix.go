//go:build unix

package connection

import "syscall"

// ownerOnly makes a listening socket's file mode 0600 before it is bound.
func ownerOnly(fd uintptr) error { return syscall.Fchmod(int(fd), 0o600) }
