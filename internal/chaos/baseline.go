package chaos

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"time"

	"mproc"
	"mproc/internal/spawn"
)

// settleBound is how long the process may take to get back to its baseline
// after a trial: descriptors closed, goroutines ended, children reaped.
const settleBound = 10 * time.Second

// baseline is what this process had before a trial that must leave
// nothing behind.
type baseline struct {
	fds, goroutines int
	shm             []string
	children        int
}

func takeBaseline() baseline {
	return baseline{fds: openFDs(), goroutines: runtime.NumGoroutine(), shm: shmEntries(), children: len(mproc.ActiveChildren())}
}

// settled waits, up to settleBound, until the process is back to b and none
// of pids runs; it fails naming what is not.
func (b baseline) settled(ctx context.Context, pids []int) error {
	back := func() bool {
		return openFDs() <= b.fds && runtime.NumGoroutine() <= b.goroutines && slices.Equal(shmEntries(), b.shm) &&
			len(mproc.ActiveChildren()) <= b.children && len(spawn.ZombieChildren()) == 0 && len(living(pids)) == 0
	}
	if pollFor(ctx, settleBound, "the process is back to its baseline", back) == nil {
		return nil
	}
	// What holds the goroutines is the first thing to know about a leak.
	if os.Getenv("MPROC_CHAOS_STACKS") != "" {
		buf := make([]byte, 1<<20)
		os.Stderr.Write(buf[:runtime.Stack(buf, true)])
	}
	return fmt.Errorf("not back to where it was after %v: descriptors %d -> %d, goroutines %d -> %d, /dev/shm %d -> %d entries, children %d -> %d, zombies %v, still running %v",
		settleBound, b.fds, openFDs(), b.goroutines, runtime.NumGoroutine(), len(b.shm), len(shmEntries()),
		b.children, len(mproc.ActiveChildren()), spawn.ZombieChildren(), living(pids))
}
