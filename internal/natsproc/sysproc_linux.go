package natsproc

import (
	"syscall"

	"mproc/internal/spawn"
)

// sysProcAttr asks Linux to send the server SIGTERM (a clean JetStream
// shutdown) when its parent dies, however it dies; and puts it in a process
// group of its own, so that a terminal's Ctrl-C reaches only us and we
// stop it after whatever uses it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
}

// onStartThread forks the server from the thread that never exits, as
// mproc forks its children: the parent-death signal follows the thread.
func onStartThread(f func()) { spawn.OnLockedThread(f) }
