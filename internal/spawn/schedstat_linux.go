package spawn

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// runDelay is how long this process's threads have together waited on a
// run queue for a CPU, from /proc/self/task/*/schedstat (its second
// field). Threads that waited at the same time are each counted, which
// only errs towards patience. It is 0 where the kernel does not say.
func runDelay() time.Duration {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return 0
	}
	var sum int64
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/schedstat")
		if err != nil {
			continue // the thread ended meanwhile
		}
		if f := bytes.Fields(b); len(f) >= 2 {
			ns, _ := strconv.ParseInt(string(f[1]), 10, 64)
			sum += ns
		}
	}
	return time.Duration(sum)
}
