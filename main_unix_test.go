//go:build unix

package mproc_test

import "syscall"

// reap collects pid if it became this process's zombie (adopted orphan), so
// the test leaves nothing behind; the subreaper would do it a second later.
func reap(pid int) {
	var ws syscall.WaitStatus
	syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
}

func syscallKill(pid int) { syscall.Kill(pid, syscall.SIGKILL) }
