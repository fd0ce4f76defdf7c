package mproc

import (
	"sync"
	"syscall"

	"mproc/internal/spawn"
)

// The tracker is a child that outlives its creator's death: it holds the
// names of the shared memory segments the creator made, and when the
// creator's control socket reaches EOF (the creator ended, however) it
// unlinks those still registered. It runs no user code: mproc.Main sends
// it here before anything else.
const (
	envRole      = "MPROC_ROLE"
	roleTracker  = "shm-tracker"
	kindTrackAdd = 20
	kindTrackDel = 21
)

var tracker struct {
	sync.Mutex
	child *spawn.Child // nil until the first segment, and without mproc.Main
}

func trackerChild() *spawn.Child {
	tracker.Lock()
	defer tracker.Unlock()
	if tracker.child != nil || !mainCalled.Load() {
		return tracker.child
	}
	c, err := spawn.Launch(spawn.Options{Env: []string{envRole + "=" + roleTracker}, StartupWait: defaultStartTimeout, NoStdout: true})
	if err == nil && awaitReady(c, defaultStartTimeout) {
		tracker.child = c
	} else if c != nil {
		c.Signal(syscall.SIGKILL)
		c.Close()
	}
	return tracker.child
}

// stopTracker ends the tracker, which unlinks what is still registered, and
// waits until it has been reaped, so that it is not left an orphan.
func stopTracker(done <-chan struct{}) {
	tracker.Lock()
	c := tracker.child
	tracker.child = nil
	tracker.Unlock()
	if c == nil {
		return
	}
	c.Close()
	select {
	case <-c.Exited():
	case <-done:
	}
}

func track(name string) {
	if c := trackerChild(); c != nil {
		c.Send(kindTrackAdd, []byte(name))
	}
}

func untrack(name string) {
	if c := trackerChild(); c != nil {
		c.Send(kindTrackDel, []byte(name))
	}
}
