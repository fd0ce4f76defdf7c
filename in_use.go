package mproc

import "sync/atomic"

// inUse counts this process's calls in progress on an object that Close
// frees, so that the memory goes only when no call is using it: Close
// marks it closing, and whoever leaves it last, closing and idle, frees it.
type inUse struct {
	state atomic.Int64 // calls in progress << 2 | freed << 1 | closing
	free  func()
}

const (
	useClosing = 1
	useFreed   = 2
	useCall    = 4
)

// enter starts a call; false means the object is closed (and no call
// started).
func (u *inUse) enter() bool {
	if u.state.Add(useCall)&useClosing != 0 {
		u.exit()
		return false
	}
	return true
}

// exit ends a call begun by a successful enter.
func (u *inUse) exit() {
	if u.state.Add(-useCall) == useClosing {
		u.finish()
	}
}

// close marks the object closing, and frees it if no call is in progress;
// it reports whether this was the first close.
func (u *inUse) close() bool {
	old := u.state.Or(useClosing)
	if old&useClosing != 0 {
		return false
	}
	if old == 0 {
		u.finish()
	}
	return true
}

func (u *inUse) finish() {
	if u.state.CompareAndSwap(useClosing, useClosing|useFreed) {
		u.free()
	}
}
