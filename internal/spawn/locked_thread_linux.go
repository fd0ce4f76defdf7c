//go:build linux

package spawn

import (
	"runtime"
	"sync"
)

var (
	lockedOnce sync.Once
	lockedReqs chan func()
)

// OnLockedThread runs f on the one thread that never exits. Linux sends
// the parent-death signal when the thread that forked a child ends, not
// the process, and the Go runtime ends a thread when a goroutine locked to
// it returns; so children with such a signal are forked there.
func OnLockedThread(f func()) {
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
