package spawn

import "sync"

// owned holds the pids of the children Launch started that their waiters
// have not yet reaped. A subreaper sweeping zombies must leave these alone:
// reaping one would take its exit status from its waiter (which would then
// report 255, "reaped elsewhere"). Being told at fork time, not when the
// Process is registered later, closes the window in which a child that
// finished quickly looked foreign.
var owned = struct {
	sync.Mutex
	pids map[int]struct{}
}{pids: map[int]struct{}{}}

// Owns reports whether pid is a child Launch started and has not yet reaped.
func Owns(pid int) bool {
	owned.Lock()
	defer owned.Unlock()
	_, ok := owned.pids[pid]
	return ok
}

func own(pid int) {
	owned.Lock()
	owned.pids[pid] = struct{}{}
	owned.Unlock()
}

func disown(pid int) {
	owned.Lock()
	delete(owned.pids, pid)
	owned.Unlock()
}
