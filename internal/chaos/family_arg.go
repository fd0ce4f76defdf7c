package chaos

import "mproc"

// familyArg: start a pool, a daemon and a manager, put their pids on Pids
// and then 0, and stay until killed.
type familyArg struct {
	Pids *mproc.Queue[int]
}
