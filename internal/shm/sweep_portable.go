//go:build unix && (!linux || mproc_portable)

package shm

import (
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// sweepEvery bounds how often segment creation sweeps: a leaked file is a
// few bytes of name (its size was never set), so a rare sweep is enough
// for the processes whose children's exits do not sweep (see Sweep).
const sweepEvery = 10 * time.Second

var lastSweep atomic.Int64 // when newFD last swept, in Unix nanoseconds; 0: never

// Sweep removes the segment files that their creator, now dead, left
// between creating and unlinking them (a SIGKILL, or an exit from another
// goroutine, at that moment). Nothing else ever opens a segment file by
// its name, so a file is only ever removed early, never taken from a
// process that needs it; the creator check is so that a live process
// removes its own.
//
// A parent calls it when it has reaped a child that did not exit cleanly;
// newFD calls it at a process's first segment and at most every
// sweepEvery after.
func Sweep() { sweep(segmentDir()) }

func sweepNowAndThen(dir string) {
	now, last := time.Now().UnixNano(), lastSweep.Load()
	if last != 0 && now-last < int64(sweepEvery) || !lastSweep.CompareAndSwap(last, now) {
		return
	}
	sweep(dir)
}

func sweep(dir string) {
	f, err := os.Open(dir)
	if err != nil {
		return
	}
	defer f.Close()
	uid := uint32(os.Getuid())
	for {
		names, err := f.Readdirnames(256)
		for _, name := range names {
			c, ok := parseFileName(name)
			if !ok || c.alive() {
				continue
			}
			// Only this user's regular files: in a directory that lets
			// others remove them, another user's are not ours to take.
			var st unix.Stat_t
			path := dir + "/" + name
			if unix.Lstat(path, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFREG && st.Uid == uid {
				unix.Unlink(path)
			}
		}
		if err != nil {
			return
		}
	}
}
