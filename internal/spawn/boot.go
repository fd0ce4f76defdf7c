package spawn

import (
	"time"
)

// kindBooted is the frame a child sends from this package's init: its Go
// runtime is up and running the program's initialization. The parent's
// reader takes it (Child.Booted) and never passes it on, so it may share
// numbers with no frame kind of mproc's.
const kindBooted byte = 0xB0

// bootedAt is when this process, as a child, reported in; zero otherwise.
var bootedAt time.Time

// AfterRunnable calls f once d has passed since this child reported in,
// unless settled says by then that it need not: the time the child's
// threads spent waiting for a CPU is not counted, so on a loaded machine
// the deadline moves out by as much as the machine held the child back,
// and only a child that could run and still did not get there runs out of
// time. In a process that is not a child it counts from now.
func AfterRunnable(d time.Duration, settled func() bool, f func()) {
	start := bootedAt
	if start.IsZero() {
		start = time.Now()
	}
	var t *time.Timer
	t = time.AfterFunc(time.Until(start.Add(d)), func() {
		if settled() {
			return
		}
		if left := time.Until(start.Add(d + runDelay())); left > 0 {
			t.Reset(left)
			return
		}
		f()
	})
}
