package sched

import "fmt"

// RR is round robin: ready jobs queue in arrival order; the head runs for at
// most Quantum units, then, unfinished, goes to the tail, behind the jobs that
// arrived meanwhile or at that very instant. A job alone keeps the CPU.
type RR struct {
	Quantum int
}

// Name returns "rr".
func (RR) Name() string { return "rr" }

func (p RR) plan(jobs []Job) ([]Segment, error) {
	q := p.Quantum
	if q <= 0 {
		return nil, fmt.Errorf("sched: rr: %w, got %d", ErrBadQuantum, q)
	}
	left := make([]int, len(jobs))
	for i, j := range jobs {
		left[i] = j.Burst
	}
	arr := newArrivals(jobs)
	var ready fifo
	var c chart
	for t, done, steps := 0, 0, 0; done < len(jobs); {
		arr.due(t, ready.push)
		if len(ready) == 0 {
			t, _ = arr.peek()
			continue
		}
		i := ready.pop()
		run := min(left[i], q)
		if len(ready) == 0 {
			run = min(left[i], aloneRun(arr, t, q))
		}
		if steps++; steps > MaxDispatches {
			return nil, fmt.Errorf("sched: rr: %w: more than MaxDispatches quanta", ErrTooLarge)
		}
		c.add(jobs[i].Name, t, t+run)
		left[i] -= run
		t += run
		if left[i] == 0 {
			done++
			continue
		}
		arr.due(t, ready.push) // who arrived by now queues before i
		ready.push(i)
	}
	return c, nil
}

// aloneRun is how long a job alone in the queue at t runs: whole quanta of q
// until the first quantum end at or after the next arrival, for nobody
// preempts it before.
func aloneRun(arr *arrivals, t, q int) int {
	next, ok := arr.peek()
	switch {
	case !ok:
		return MaxTime
	case next-t <= q:
		return q
	}
	return ((next-t-1)/q + 1) * q // below 2(next-t): no overflow
}

// fifo is a queue of job indices.
type fifo []int

func (f *fifo) push(i int) { *f = append(*f, i) }

func (f *fifo) pop() int {
	i := (*f)[0]
	*f = (*f)[1:]
	return i
}
