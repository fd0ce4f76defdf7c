package sched_test

import (
	"cmp"
	"slices"

	"mproc/sched"
)

// Slow, obvious simulators, one time unit at a time, that the event-driven
// ones in the package must agree with.

// tickChart collects one-unit steps into a chart string (as chartString).
type tickChart []sched.Segment

func (c *tickChart) step(name string, t int) {
	if n := len(*c); n > 0 && (*c)[n-1].Name == name && (*c)[n-1].End == t {
		(*c)[n-1].End++
		return
	}
	*c = append(*c, sched.Segment{Name: name, Start: t, End: t + 1})
}

func byArrival(jobs []sched.Job) []int {
	order := make([]int, len(jobs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(jobs[a].Arrival, jobs[b].Arrival) })
	return order
}

// keyedTick: at every unit (preempt) or whenever the CPU is free, the ready
// job with the least (key, arrival, index) runs.
func keyedTick(jobs []sched.Job, preempt bool, key func(j sched.Job, left int) int) string {
	left := make([]int, len(jobs))
	for i, j := range jobs {
		left[i] = j.Burst
	}
	var c tickChart
	r := -1
	for t, done := 0, 0; done < len(jobs); t++ {
		if r < 0 || preempt {
			r = -1
			for i, j := range jobs {
				if j.Arrival > t || left[i] == 0 {
					continue
				}
				if r < 0 || key(j, left[i]) < key(jobs[r], left[r]) ||
					key(j, left[i]) == key(jobs[r], left[r]) && j.Arrival < jobs[r].Arrival {
					r = i // equal key and arrival: the earlier index, found first, stays
				}
			}
		}
		if r < 0 {
			c.step("", t)
			continue
		}
		c.step(jobs[r].Name, t)
		if left[r]--; left[r] == 0 {
			done++
			r = -1
		}
	}
	return chartString(c)
}

// mlfqTick follows the MLFQ rules of the package doc unit by unit; with one
// level and no boost it is round robin.
func mlfqTick(jobs []sched.Job, quanta []int, boost int) string {
	n, bottom := len(jobs), len(quanta)-1
	left, level, used := make([]int, n), make([]int, n), make([]int, n)
	for i, j := range jobs {
		left[i] = j.Burst
	}
	queues := make([][]int, len(quanta))
	order, next := byArrival(jobs), 0
	var c tickChart
	r := -1
	for t, done := 0, 0; done < n; t++ {
		for next < n && jobs[order[next]].Arrival <= t {
			queues[0] = append(queues[0], order[next])
			next++
		}
		stopped := false
		if r >= 0 {
			if used[r] == quanta[level[r]] {
				used[r], level[r], stopped = 0, min(level[r]+1, bottom), true
			}
			for l := range level[r] {
				stopped = stopped || len(queues[l]) > 0
			}
		}
		if boost > 0 && t > 0 && t%boost == 0 {
			var top []int
			for l := range queues {
				top = append(top, queues[l]...)
				queues[l] = nil
			}
			if r >= 0 {
				top, r = append(top, r), -1
			}
			for _, i := range top {
				level[i], used[i] = 0, 0
			}
			queues[0] = top
		} else if stopped {
			queues[level[r]] = append(queues[level[r]], r)
			r = -1
		}
		if r < 0 {
			for l := range queues {
				if len(queues[l]) > 0 {
					r, queues[l] = queues[l][0], queues[l][1:]
					break
				}
			}
		}
		if r < 0 {
			c.step("", t)
			continue
		}
		c.step(jobs[r].Name, t)
		used[r]++
		if left[r]--; left[r] == 0 {
			done++
			r = -1
		}
	}
	return chartString(c)
}
