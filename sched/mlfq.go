package sched

import (
	"fmt"
	"math"
	"slices"
)

// MLFQ is the multi-level feedback queue. Quanta holds each level's time
// quantum, the top (highest priority) level first; the seed tutorial doubles
// it from one level to the next, e.g. {2, 4, 8}. Boost, when positive, sends
// every job back to the top level at times Boost, 2*Boost, ...; zero means
// never. The package documentation gives the rules.
type MLFQ struct {
	Quanta []int
	Boost  int
}

// Name returns "mlfq".
func (MLFQ) Name() string { return "mlfq" }

func (p MLFQ) check() error {
	if len(p.Quanta) == 0 {
		return fmt.Errorf("sched: mlfq: %w", ErrNoLevels)
	}
	for l, q := range p.Quanta {
		if q <= 0 {
			return fmt.Errorf("sched: mlfq: level %d: %w, got %d", l, ErrBadQuantum, q)
		}
	}
	if p.Boost < 0 {
		return fmt.Errorf("sched: mlfq: %w, got %d", ErrBadBoost, p.Boost)
	}
	return nil
}

func (p MLFQ) plan(jobs []Job) ([]Segment, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	m := &mlfqRun{
		p:         p,
		jobs:      jobs,
		arr:       newArrivals(jobs),
		queues:    make([]fifo, len(p.Quanta)),
		level:     make([]int, len(jobs)),
		used:      make([]int, len(jobs)),
		left:      make([]int, len(jobs)),
		nextBoost: math.MaxInt,
	}
	for i, j := range jobs {
		m.left[i] = j.Burst
	}
	if p.Boost > 0 {
		m.nextBoost = p.Boost
	}
	return m.run()
}

// mlfqRun is the state of one MLFQ simulation.
type mlfqRun struct {
	p         MLFQ
	jobs      []Job
	arr       *arrivals
	queues    []fifo // per level
	level     []int  // per job
	used      []int  // per job: time used at its level since it got there
	left      []int  // per job: work left
	t         int
	nextBoost int
	c         chart
}

func (m *mlfqRun) run() ([]Segment, error) {
	bottom := len(m.queues) - 1
	for done, steps := 0, 0; done < len(m.jobs); {
		m.admit()
		m.boostIfDue()
		l := slices.IndexFunc(m.queues, func(f fifo) bool { return len(f) > 0 })
		if l < 0 {
			m.t, _ = m.arr.peek()
			continue
		}
		i := m.queues[l].pop()
		run := m.slice(i, l, l == bottom && m.empty())
		if steps++; steps > MaxDispatches {
			return nil, fmt.Errorf("sched: mlfq: %w: more than MaxDispatches quanta", ErrTooLarge)
		}
		m.c.add(m.jobs[i].Name, m.t, m.t+run)
		m.left[i] -= run
		m.t += run
		if m.left[i] == 0 {
			done++
			continue
		}
		q := m.p.Quanta[l]
		if l == bottom {
			m.used[i] = (m.used[i] + run) % q
		} else if m.used[i] += run; m.used[i] == q {
			m.level[i], m.used[i] = l+1, 0
		}
		m.admit() // who arrived by now queues before i
		if m.boostIfDue() {
			m.level[i], m.used[i] = 0, 0
		}
		m.queues[m.level[i]].push(i)
	}
	return m.c, nil
}

// slice is how long job i, taken from level l, runs now: to the end of its
// allotment, its end, or an event that preempts it, whichever comes first.
// A job alone at the bottom level runs through its quantum ends.
func (m *mlfqRun) slice(i, l int, aloneAtBottom bool) int {
	allot := m.p.Quanta[l] - m.used[i]
	run := min(m.left[i], allot)
	next, arriving := m.arr.peek()
	if aloneAtBottom {
		switch {
		case !arriving || m.nextBoost <= next:
			run = min(m.left[i], m.nextBoost-m.t) // nextBoost may be MaxInt
		case next-m.t > allot:
			// To the first quantum end at or after the arrival; when the
			// arrival enters a level above, the check below stops it sooner.
			q := m.p.Quanta[l]
			run = min(m.left[i], allot+((next-m.t-allot-1)/q+1)*q)
		}
	}
	if arriving && l > 0 && next < m.t+run {
		run = next - m.t
	}
	if m.nextBoost < m.t+run {
		run = m.nextBoost - m.t
	}
	return run
}

// admit queues the jobs that have arrived by now at the top level.
func (m *mlfqRun) admit() {
	m.arr.due(m.t, func(i int) { m.queues[0].push(i) })
}

// empty reports whether no job is queued.
func (m *mlfqRun) empty() bool {
	return !slices.ContainsFunc(m.queues, func(f fifo) bool { return len(f) > 0 })
}

// boostIfDue moves every queued job to the top level, in the order of their
// levels and queues, when a boost is due; it reports whether one was.
func (m *mlfqRun) boostIfDue() bool {
	if m.t < m.nextBoost {
		return false
	}
	top := m.queues[0]
	for l := 1; l < len(m.queues); l++ {
		top = append(top, m.queues[l]...)
		m.queues[l] = nil
	}
	for _, i := range top {
		m.level[i], m.used[i] = 0, 0
	}
	m.queues[0] = top
	m.nextBoost = (m.t/m.p.Boost + 1) * m.p.Boost
	return true
}
