package mproc

import (
	"crypto/rand"
	"os"
	"sync"

	"mproc/internal/auth"
)

var current struct {
	once   sync.Once
	self   *Process
	parent *Process
}

// Current returns the record of this process: "MainProcess" in the program
// that was started by hand, or the child's name, pid, daemon flag and auth
// key inside a child.
func Current() *Process {
	current.once.Do(func() {
		if current.self == nil { // not set by a child's bootstrap
			key := make([]byte, 32)
			rand.Read(key)
			current.self = selfRecord(procConfig{name: "MainProcess", authKey: auth.NewKey(key)}, nil)
		}
	})
	return current.self
}

// Parent returns the record of the process that started this one, or nil in
// the main process. Its IsAlive works; other methods are for children.
func Parent() *Process {
	Current()
	return current.parent
}

func selfRecord(cfg procConfig, identity []int) *Process {
	return &Process{role: roleSelf, cfg: cfg, identity: identity, state: stateStarted, pid: os.Getpid()}
}
