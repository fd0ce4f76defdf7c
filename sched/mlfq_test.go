package sched_test

import (
	"testing"

	"mproc/sched"
)

// Hand-computed MLFQ schedules, step by step in the comments, for the rules
// the package doc states.
func TestMLFQByHand(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		jobs   []sched.Job
		policy sched.MLFQ
		gantt  string
	}{
		{
			// Quanta 2 (top) and 4 (bottom).
			//  0- 2 A, top: B arrives at 1 in the same level, no preemption;
			//       A's quantum is used up: A goes down.
			//  2- 4 B, top, quantum used up: down, behind A.
			//  4- 5 A, bottom, quantum 4, but C arrives at 5 at the top and
			//       preempts it: A, having used 1 of 4, goes behind B.
			//  5- 7 C runs its 2 units at the top and is done.
			//  7- 8 B, bottom: its last unit.
			//  8-12 A, bottom, alone: its last 4 units (3 left of this
			//       quantum, then a new one).
			name:   "demotion and preemption",
			jobs:   named("A", 0, 7, "B", 1, 3, "C", 5, 2),
			policy: sched.MLFQ{Quanta: []int{2, 4}},
			gantt:  "A 0-2 B 2-4 A 4-5 C 5-7 B 7-8 A 8-12",
		},
		{
			// A long job and a stream of short ones, one every 2 units:
			// without a boost A, demoted at 2, gets the CPU only at 12.
			name:   "starvation without boost",
			jobs:   named("A", 0, 8, "S1", 2, 2, "S2", 4, 2, "S3", 6, 2, "S4", 8, 2, "S5", 10, 2),
			policy: sched.MLFQ{Quanta: []int{2, 4}},
			gantt:  "A 0-2 S1 2-4 S2 4-6 S3 6-8 S4 8-10 S5 10-12 A 12-18",
		},
		{
			// The same with a boost every 5:
			//  4- 5 S2 is stopped by the boost at 5; A (bottom queue) goes
			//       to the top first, then S2, the stopped job, behind it.
			//  5- 7 A, top again, runs its quantum (S3 arriving at 6 waits)
			//       and goes down; S2 finishes 7-8, S3 8-10.
			// 10    boost: S4 (top), S5 (arrived at 10, top), A (bottom) in
			//       that order at the top; S4 10-12, S5 12-14.
			// 14-15 A, top, stopped by the boost at 15 with one unit of its
			//       quantum used; alone, it goes on at the top 15-17 with a
			//       fresh quantum, then its last unit at the bottom.
			name:   "boost",
			jobs:   named("A", 0, 8, "S1", 2, 2, "S2", 4, 2, "S3", 6, 2, "S4", 8, 2, "S5", 10, 2),
			policy: sched.MLFQ{Quanta: []int{2, 4}, Boost: 5},
			gantt:  "A 0-2 S1 2-4 S2 4-5 A 5-7 S2 7-8 S3 8-10 S4 10-12 S5 12-14 A 14-18",
		},
		{
			// Two jobs cycling through quanta 1 and 2 with a boost every 4:
			//  A 0-1, B 1-2 (both demoted), A 2-4 at the bottom; at 4 the
			//  boost lifts B, then A (the stopped one): B 4-5, A 5-6 (both
			//  demoted again), B 6-8; at 8 the boost lifts A, then B: A 8-9
			//  and B 9-10 end their work at the top.
			name:   "boost order",
			jobs:   named("A", 0, 5, "B", 0, 5),
			policy: sched.MLFQ{Quanta: []int{1, 2}, Boost: 4},
			gantt:  "A 0-1 B 1-2 A 2-4 B 4-5 A 5-6 B 6-8 A 8-9 B 9-10",
		},
		{
			// The seed's doubling quanta, 1, 2, 4, and an idle gap.
			//  A 0-1 (down to level 1), A alone 1-3 (down to 2), then at the
			//  bottom alone until B arrives at 4: preempted after 1 unit.
			//  B 4-5 top, 5-6 level 1 (1 of 2 used; it's done). A 6-9.
			//  Idle 9-20, C 20-23 (1 at the top, 2 at level 1).
			name:   "doubling quanta",
			jobs:   named("A", 0, 7, "B", 4, 2, "C", 20, 3),
			policy: sched.MLFQ{Quanta: []int{1, 2, 4}},
			gantt:  "A 0-4 B 4-6 A 6-9 - 9-20 C 20-23",
		},
	}
	for _, c := range cases {
		s, err := sched.Run(c.jobs, c.policy)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := chartString(s.Gantt); got != c.gantt {
			t.Errorf("%s:\nchart %s\nwant  %s", c.name, got, c.gantt)
		}
	}
}
