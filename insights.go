package mproc

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Insights is what a pool and its workers have done, as mpire's insights
// tell: per worker its pid, tasks, busy and idle time, start-up time and
// memory; per pool the tasks' run times and queue waits, and the workers
// restarted and why. Pool.Insights takes one; String prints it for a
// person.
type Insights struct {
	At      time.Time     // when it was taken
	Uptime  time.Duration // since NewPool
	Size    int           // workers the pool keeps (WithWorkers)
	Tasks   int           // tasks finished, failed ones included (a Map's chunk is one)
	Failed  int           // of those, the ones that failed
	Queued  int           // waiting for a worker
	Running int           // out with workers
	// TaskTime is how long tasks ran, as the workers timed them;
	// QueueWait how long they waited in the pool for a worker.
	TaskTime, QueueWait Percentiles
	// Restarts counts the workers replaced, by WorkerInsight.Reason.
	Restarts map[string]int
	// Workers are the live workers in the order they started, then those
	// that ended, the latest 64 of them.
	Workers []WorkerInsight
}

// keptEnded is how many ended workers Insights remembers.
const keptEnded = 64

// Insights returns what the pool and its workers have done so far. It
// works on a running pool and on one that has ended. The workers' memory
// is read from /proc/PID/status, so it costs a file read per live worker;
// the rest is recorded as the pool goes, at a few nanoseconds a task.
func (p *Pool) Insights() Insights {
	p.mu.Lock()
	now := time.Now()
	in := Insights{
		At: now, Uptime: now.Sub(p.born), Size: p.cfg.workers,
		Tasks: p.tasksDone, Failed: p.tasksFailed, Queued: len(p.queue), Running: p.running,
		TaskTime: p.taskTime.summary(), QueueWait: p.queueWait.summary(),
		Restarts: make(map[string]int, len(p.restarts)),
	}
	for k, v := range p.restarts {
		in.Restarts[k] = v
	}
	live := make([]*poolWorker, len(p.workers))
	copy(live, p.workers)
	for _, w := range live {
		in.Workers = append(in.Workers, w.insight(now))
	}
	in.Workers = append(in.Workers, p.gone...)
	p.mu.Unlock()

	for i, w := range live { // outside the lock: a file read each
		if in.Workers[i].Pid == 0 {
			continue
		}
		if rss, peak, ok := procMemory(in.Workers[i].Pid); ok {
			in.Workers[i].RSS, in.Workers[i].PeakRSS = rss, max(peak, in.Workers[i].PeakRSS)
			p.mu.Lock() // kept for the worker's record once it has ended
			w.rss, w.peakRSS = rss, max(w.peakRSS, peak)
			p.mu.Unlock()
		}
	}
	return in
}

// procMemory reads a process's resident size and its peak (VmRSS and
// VmHWM) from /proc/PID/status.
func procMemory(pid int) (rss, peak int64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, false
	}
	for line := range bytes.Lines(b) {
		var dst *int64
		switch {
		case bytes.HasPrefix(line, []byte("VmRSS:")):
			dst = &rss
		case bytes.HasPrefix(line, []byte("VmHWM:")):
			dst = &peak
		default:
			continue
		}
		f := strings.Fields(string(line[6:])) // "1234 kB"
		if len(f) >= 1 {
			if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				*dst = kb << 10
			}
		}
	}
	return rss, peak, rss > 0
}

// String is a summary for a person: the pool's figures, then a line per
// worker.
func (in Insights) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Pool insights after %v: %d workers, %d tasks done", roundDur(in.Uptime), in.Size, in.Tasks)
	if in.Failed > 0 {
		fmt.Fprintf(&b, " (%d failed)", in.Failed)
	}
	fmt.Fprintf(&b, ", %d running, %d queued\n", in.Running, in.Queued)
	fmt.Fprintf(&b, "  task time   %v\n", in.TaskTime.text())
	fmt.Fprintf(&b, "  queue wait  %v\n", in.QueueWait.text())
	fmt.Fprintf(&b, "  restarts    %s\n", restartsText(in.Restarts))
	var busy, idle time.Duration
	for _, w := range in.Workers {
		busy, idle = busy+w.Busy, idle+w.Idle
	}
	if busy+idle > 0 {
		fmt.Fprintf(&b, "  working     %.1f%% of the workers' time (busy %v, idle %v)\n",
			100*float64(busy)/float64(busy+idle), roundDur(busy), roundDur(idle))
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "worker\tpid\ttasks\tbusy\tidle\tbusy %\tstart-up\tRSS\tpeak RSS\tstate\t")
	for _, w := range in.Workers {
		pct := "-"
		if t := w.Busy + w.Idle; t > 0 {
			pct = fmt.Sprintf("%.1f", 100*float64(w.Busy)/float64(t))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%v\t%v\t%s\t%v\t%s\t%s\t%s\t\n", w.Name, w.Pid, w.Tasks,
			roundDur(w.Busy), roundDur(w.Idle), pct, roundDur(w.Startup), sizeText(w.RSS), sizeText(w.PeakRSS), w.state())
	}
	tw.Flush()
	return b.String()
}

func (w WorkerInsight) state() string {
	switch {
	case w.Reason != "":
		return "ended: " + w.Reason
	case w.Pid == 0:
		return "starting"
	case w.Task != "":
		return "running " + w.Task
	}
	return "idle"
}

func restartsText(r map[string]int) string {
	n := 0
	keys := make([]string, 0, len(r))
	for k, v := range r {
		n += v
		keys = append(keys, k)
	}
	if n == 0 {
		return "none"
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, r[k])
	}
	return fmt.Sprintf("%d (%s)", n, strings.Join(parts, ", "))
}

func sizeText(n int64) string {
	switch {
	case n <= 0:
		return "-"
	case n < 1<<20:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
}
