//go:build unix && (!linux || mproc_portable)

package shm

import (
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// creator is the process that made a segment file, as its name tells it:
// its pid, and its start time where the system gives one (0 where not), so
// that a process that got the pid again is not taken for the creator.
type creator struct {
	pid   int
	start uint64
}

// self is this process as a creator.
var self = sync.OnceValue(func() creator {
	pid := os.Getpid()
	start, _ := startTime(pid)
	return creator{pid: pid, start: start}
})

// fileName is the name of a segment file of the kind that c makes: kind,
// pid, start time and 32 random hex digits, joined by dashes.
func (c creator) fileName(kind, rnd string) string {
	return kind + "-" + strconv.Itoa(c.pid) + "-" + strconv.FormatUint(c.start, 10) + "-" + rnd
}

// parseFileName reads the creator from the name of a segment file, and
// refuses any other name: the sweep must never touch a file mproc did not
// make this way (a SharedMemory, mproc_ and hex digits, is another).
func parseFileName(name string) (creator, bool) {
	rest, rnd, _ := cutLast(name)
	rest, start, _ := cutLast(rest)
	kind, pid, _ := cutLast(rest)
	if kind != kindPlain && kind != kindSpill || !isHex32(rnd) {
		return creator{}, false
	}
	p, err := strconv.ParseInt(pid, 10, 32) // a pid_t: never a negative or wrapped one for kill
	if err != nil || p <= 0 || strconv.FormatInt(p, 10) != pid {
		return creator{}, false
	}
	s, err := strconv.ParseUint(start, 10, 64)
	if err != nil || strconv.FormatUint(s, 10) != start {
		return creator{}, false
	}
	return creator{pid: int(p), start: s}, true
}

func cutLast(s string) (before, after string, found bool) {
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return "", s, false
	}
	return s[:i], s[i+1:], true
}

func isHex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return false
		}
	}
	return true
}

// alive reports whether c may still run: there is a process with its pid
// (kill 0 does not fail with ESRCH; a zombie counts until it is reaped),
// and, where the start times are known, that process started when c did.
// Unsure is alive: the file then waits for a later sweep.
func (c creator) alive() bool {
	if unix.Kill(c.pid, 0) == unix.ESRCH {
		return false
	}
	if c.start == 0 {
		return true
	}
	start, err := startTime(c.pid)
	return err != nil || start == c.start
}
