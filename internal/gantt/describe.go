package gantt

import (
	"fmt"
	"strconv"
	"strings"

	"mproc/sched"
)

// Describe names a policy and its parameters for people.
func Describe(p sched.Policy) string {
	switch p := p.(type) {
	case sched.FCFS:
		return "fcfs (first-come, first-served)"
	case sched.SJF:
		return "sjf (shortest job first, non-preemptive)"
	case sched.SRTF:
		return "srtf (shortest remaining time first)"
	case sched.Priority:
		if p.Preemptive {
			return "priority-preemptive (lower number first, preemptive)"
		}
		return "priority (lower number first, non-preemptive)"
	case sched.RR:
		return fmt.Sprintf("rr (round robin, quantum %d)", p.Quantum)
	case sched.MLFQ:
		q := make([]string, len(p.Quanta))
		for i, v := range p.Quanta {
			q[i] = strconv.Itoa(v)
		}
		s := "mlfq (multi-level feedback queue, quanta " + strings.Join(q, ",")
		if p.Boost > 0 {
			s += fmt.Sprintf(", boost every %d", p.Boost)
		}
		return s + ")"
	}
	return p.Name()
}
