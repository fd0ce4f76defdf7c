//go:build linux

package mproc

import (
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"mproc/internal/spawn"
)

var subreaper struct {
	once sync.Once
	err  error
}

// orphanGrace is how long an exited child that mproc did not start is left
// for its owner (an exec.Cmd's Wait, say) before the subreaper reaps it.
const orphanGrace = time.Second

// SetSubreaper makes this process adopt its orphaned descendants (Linux's
// PR_SET_CHILD_SUBREAPER) instead of the init process, and reap them when
// they end, so that none is left a zombie. Grandchildren whose parent died
// then show up as this process's children.
//
// Children this process started with os/exec are its own business: the
// subreaper only reaps an exited child that mproc did not start after it has
// waited orphanGrace (one second) unreaped, so call exec.Cmd.Wait promptly.
func SetSubreaper() error {
	subreaper.once.Do(func() {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			subreaper.err = os.NewSyscallError("prctl(PR_SET_CHILD_SUBREAPER)", err)
			return
		}
		go reapOrphans()
	})
	return subreaper.err
}

// reapOrphans reaps adopted children as they end: woken by SIGCHLD, and by
// a timer only while some exited child is inside its grace period.
func reapOrphans() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGCHLD)
	seen := map[int]time.Time{} // exited foreign child -> when first seen exited
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-sigs:
		case <-timer.C:
		}
		next := sweepOrphans(seen, time.Now())
		if next > 0 {
			timer.Reset(next)
		}
	}
}

// sweepOrphans reaps the exited children mproc did not start once they have
// been seen exited for orphanGrace; it returns when to look again (0: only
// on the next SIGCHLD).
func sweepOrphans(seen map[int]time.Time, now time.Time) time.Duration {
	zombies := spawn.ZombieChildren()
	for pid := range seen {
		if !slices.Contains(zombies, pid) {
			delete(seen, pid)
		}
	}
	var next time.Duration
	for _, pid := range zombies {
		if spawn.Owns(pid) {
			continue // its own waiter reaps it
		}
		first, ok := seen[pid]
		if !ok {
			seen[pid], first = now, now
		}
		if wait := orphanGrace - now.Sub(first); wait > 0 {
			if next == 0 || wait < next {
				next = wait
			}
			continue
		}
		var ws unix.WaitStatus
		unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		delete(seen, pid)
	}
	return next
}
