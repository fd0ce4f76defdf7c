package chaos

import (
	"os"
	"slices"
	"strconv"
	"strings"

	"mproc/internal/spawn"
)

// alive reports whether pid runs: a zombie has ended.
func alive(pid int) bool {
	st, _, ok := spawn.ProcStat(pid)
	return ok && st != 'Z'
}

// allGone reports whether none of pids runs.
func allGone(pids []int) bool { return len(living(pids)) == 0 }

// living returns those of pids that still run.
func living(pids []int) []int {
	var l []int
	for _, pid := range pids {
		if alive(pid) {
			l = append(l, pid)
		}
	}
	return l
}

// descendants lists every process below pid, from one scan of /proc.
func descendants(pid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, ppid, ok := spawn.ProcStat(p); ok {
			children[ppid] = append(children[ppid], p)
		}
	}
	var out []int
	for next := children[pid]; len(next) > 0; {
		p := next[0]
		next = append(next[1:], children[p]...)
		out = append(out, p)
	}
	return out
}

// openFDs counts this process's descriptors, leaving out those on /proc,
// which the subreaper and these checks open for a moment.
func openFDs() int {
	ents, _ := os.ReadDir("/proc/self/fd")
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && !strings.HasPrefix(l, "/proc") {
			n++
		}
	}
	return n
}

// shmEntries lists /dev/shm, sorted.
func shmEntries() []string {
	ents, _ := os.ReadDir("/dev/shm")
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// zombiesAmong returns those of pids that are this process's zombies.
func zombiesAmong(pids []int) []int {
	z := spawn.ZombieChildren()
	var out []int
	for _, pid := range pids {
		if slices.Contains(z, pid) {
			out = append(out, pid)
		}
	}
	return out
}
