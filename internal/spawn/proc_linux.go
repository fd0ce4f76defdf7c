package spawn

import (
	"bytes"
	"os"
	"strconv"
)

// ProcStat returns the state letter (R, S, Z, ...) and parent pid of pid
// from /proc/PID/stat.
func ProcStat(pid int) (state byte, ppid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// The command name is in parentheses and may hold spaces or ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0, 0, false
	}
	f := bytes.Fields(b[i+2:])
	if len(f) < 2 {
		return 0, 0, false
	}
	ppid, err = strconv.Atoi(string(f[1]))
	return f[0][0], ppid, err == nil
}

// IsZombieChild reports whether pid is a zombie child of this process.
func IsZombieChild(pid int) bool {
	st, ppid, ok := ProcStat(pid)
	return ok && st == 'Z' && ppid == os.Getpid()
}

// Children lists the pids whose parent is this process, zombies included.
func Children() []int {
	if pids, ok := taskChildren(); ok {
		return pids
	}
	return scanChildren(os.Getpid(), false)
}

// ZombieChildren lists this process's children that have exited and not
// been reaped.
func ZombieChildren() []int {
	pids, ok := taskChildren()
	if !ok {
		return scanChildren(os.Getpid(), true)
	}
	out := pids[:0]
	for _, pid := range pids {
		if st, _, ok := ProcStat(pid); ok && st == 'Z' {
			out = append(out, pid)
		}
	}
	return out
}

// taskChildren reads /proc/self/task/*/children (each thread has its own
// children), which is much cheaper than scanning all of /proc.
func taskChildren() ([]int, bool) {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return nil, false
	}
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/children")
		if err != nil {
			if os.IsNotExist(err) && len(out) == 0 {
				return nil, false // kernel without CONFIG_PROC_CHILDREN
			}
			continue // the thread ended meanwhile
		}
		for _, f := range bytes.Fields(b) {
			if pid, err := strconv.Atoi(string(f)); err == nil {
				out = append(out, pid)
			}
		}
	}
	return out, true
}

func scanChildren(parent int, zombiesOnly bool) []int {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	var out []int
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		st, ppid, ok := ProcStat(pid)
		if ok && ppid == parent && (!zombiesOnly || st == 'Z') {
			out = append(out, pid)
		}
	}
	return out
}
