package natsproc

import (
	"runtime"
	"sync"
	"syscall"
)

// sysProcAttr asks Linux to send the server SIGTERM (a clean JetStream
// shutdown) when its parent dies, however it dies; and puts it in a process
// group of its own, so that a terminal's Ctrl-C reaches only us and we
// stop it after whatever uses it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
}

var (
	lockedOnce sync.Once
	lockedReqs chan func()
)

// onStartThread runs f on a thread that never exits. Linux sends the
// parent-death signal when the thread that forked the child ends, not the
// process, and the Go runtime ends a thread when a goroutine locked to it
// returns; so the server is forked from a thread no goroutine can end.
func onStartThread(f func()) {
	lockedOnce.Do(func() {
		lockedReqs = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked: this thread lives as long as the process
			for f := range lockedReqs {
				f()
			}
		}()
	})
	done := make(chan struct{})
	lockedReqs <- func() { f(); close(done) }
	<-done
}
