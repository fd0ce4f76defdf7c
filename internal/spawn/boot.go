package spawn

import (
	"os"
	"time"

	"golang.org/x/sys/unix"

	"mproc/internal/wire"
)

// kindBooted is the frame a child sends from this package's init: its Go
// runtime is up and running the program's initialization. The parent's
// reader takes it (Child.Booted) and never passes it on, so it may share
// numbers with no frame kind of mproc's.
const kindBooted byte = 0xB0

// bootedAt is when this process, as a child, reported in; zero otherwise.
var bootedAt time.Time

// The report is sent as early as the program can act, so that everything
// before it (the exec, the runtime's start, waiting for a CPU) reads as
// what it is, slowness, and never as a missing mproc.Main.
func init() {
	if _, ok := os.LookupEnv(EnvChild); !ok || !isSocket(ControlFD) {
		return
	}
	bootedAt = time.Now()
	var h [wire.HeaderSize]byte
	wire.PutHeader(h[:], kindBooted, 0)
	unix.Write(ControlFD, h[:]) // a parent that is gone is found out later, on the real frames
}

// isSocket guards against a stray EnvChild in a program that was not
// started by mproc: its descriptor 3, if any, is not ours to write to.
func isSocket(fd int) bool {
	var st unix.Stat_t
	return unix.Fstat(fd, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFSOCK
}

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
