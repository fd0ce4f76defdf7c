package bench

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"mproc/internal/spawn"
)

// treePids returns root and its descendants, from one scan of /proc: a
// server that forks (a process per connection, a pool) is all of them.
func treePids(root int) []int {
	d, err := os.Open("/proc")
	if err != nil {
		return []int{root}
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	kids := map[int][]int{}
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		if st, ppid, ok := spawn.ProcStat(pid); ok && st != 'Z' {
			kids[ppid] = append(kids[ppid], pid)
		}
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, kids[out[i]]...)
	}
	return out
}

// treeRSS sums the VmRSS of pids, in KiB; a process that ended meanwhile
// counts nothing. It fails only when the first (the root) can't be read.
func treeRSS(pids []int) (int, error) {
	total := 0
	for i, pid := range pids {
		kb, err := statusRSS(pid)
		if err != nil {
			if i == 0 {
				return 0, err
			}
			continue
		}
		total += kb
	}
	return total, nil
}

// treePSS sums the proportional set size of pids (smaps_rollup's Pss), in
// KiB: pages shared by several processes (a forked server's, the
// interpreter's) count once in all, where VmRSS counts them in each.
func treePSS(pids []int) (int, error) {
	total := 0
	for i, pid := range pids {
		kb, err := procField("/proc/"+strconv.Itoa(pid)+"/smaps_rollup", "Pss:")
		if err != nil {
			if i == 0 {
				return 0, err
			}
			continue
		}
		total += kb
	}
	return total, nil
}

// statusRSS reads VmRSS (kB) from /proc/PID/status.
func statusRSS(pid int) (int, error) {
	return procField("/proc/"+strconv.Itoa(pid)+"/status", "VmRSS:")
}

// procField reads a "Name:   123 kB" line of a /proc file.
func procField(path, name string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), name)
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("%s: unexpected line %q", path, sc.Text())
		}
		return strconv.Atoi(fields[0])
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s: no %s line (a zombie?)", path, name)
}

// treeSockets counts the distinct sockets open in pids: a forking server's
// connection is open in the child that serves it, and the listening socket
// in all of them, so distinct inodes and not descriptors count connections.
func treeSockets(pids []int) int {
	seen := map[string]bool{}
	for _, pid := range pids {
		dir := "/proc/" + strconv.Itoa(pid) + "/fd/"
		d, err := os.Open(dir)
		if err != nil {
			continue
		}
		names, _ := d.Readdirnames(-1)
		d.Close()
		for _, n := range names {
			if link, err := os.Readlink(dir + n); err == nil && strings.HasPrefix(link, "socket:") {
				seen[link] = true
			}
		}
	}
	return len(seen)
}
