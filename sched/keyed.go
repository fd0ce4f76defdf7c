package sched

import (
	"cmp"
	"container/heap"
	"slices"
)

// arrivalOrder returns the job indices by arrival, ties in list order.
func arrivalOrder(jobs []Job) []int {
	order := make([]int, len(jobs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(jobs[a].Arrival, jobs[b].Arrival) })
	return order
}

// arrivals hands out jobs in arrival order.
type arrivals struct {
	jobs  []Job
	order []int
	next  int
}

func newArrivals(jobs []Job) *arrivals { return &arrivals{jobs: jobs, order: arrivalOrder(jobs)} }

// due calls f for each job that has arrived by t and was not handed out yet.
func (a *arrivals) due(t int, f func(i int)) {
	for a.next < len(a.order) && a.jobs[a.order[a.next]].Arrival <= t {
		f(a.order[a.next])
		a.next++
	}
}

// peek returns the next arrival time, or ok false when all have arrived.
func (a *arrivals) peek() (t int, ok bool) {
	if a.next == len(a.order) {
		return 0, false
	}
	return a.jobs[a.order[a.next]].Arrival, true
}

// runKeyed is the scheduler of the policies that pick the ready job with the
// lowest key (then the earliest arrival, then the earliest in the list). With
// preempt, the choice is made again at each arrival; the key of a job may
// depend on the work it has left.
func runKeyed(jobs []Job, preempt bool, key func(j Job, left int) int) []Segment {
	left := make([]int, len(jobs))
	for i, j := range jobs {
		left[i] = j.Burst
	}
	ready := &keyHeap{less: func(a, b int) bool {
		if ka, kb := key(jobs[a], left[a]), key(jobs[b], left[b]); ka != kb {
			return ka < kb
		}
		if jobs[a].Arrival != jobs[b].Arrival {
			return jobs[a].Arrival < jobs[b].Arrival
		}
		return a < b
	}}
	arr := newArrivals(jobs)
	push := func(i int) { heap.Push(ready, i) }
	var c chart
	for t, done := 0, 0; done < len(jobs); {
		arr.due(t, push)
		if ready.Len() == 0 {
			t, _ = arr.peek() // nothing ready: idle until the next arrival
			continue
		}
		i := heap.Pop(ready).(int)
		end := t + left[i]
		if next, ok := arr.peek(); preempt && ok && next < end {
			end = next
		}
		c.add(jobs[i].Name, t, end)
		left[i] -= end - t
		t = end
		if left[i] == 0 {
			done++
		} else {
			push(i)
		}
	}
	return c
}

// keyHeap is a heap of job indices ordered by less.
type keyHeap struct {
	items []int
	less  func(a, b int) bool
}

func (h *keyHeap) Len() int           { return len(h.items) }
func (h *keyHeap) Less(a, b int) bool { return h.less(h.items[a], h.items[b]) }
func (h *keyHeap) Swap(a, b int)      { h.items[a], h.items[b] = h.items[b], h.items[a] }
func (h *keyHeap) Push(x any)         { h.items = append(h.items, x.(int)) }
func (h *keyHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
