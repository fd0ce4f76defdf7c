//go:build unix

package schedrun

import "syscall"

// suspend stops the process pid (SIGSTOP); resume lets it go on (SIGCONT).
func suspend(pid int) error { return syscall.Kill(pid, syscall.SIGSTOP) }

func resume(pid int) error { return syscall.Kill(pid, syscall.SIGCONT) }
