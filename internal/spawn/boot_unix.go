//go:build unix

package spawn

import (
	"os"
	"time"

	"golang.org/x/sys/unix"

	"mproc/internal/wire"
)

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
