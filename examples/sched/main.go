// Command sched simulates the seed's scheduling algorithms (FCFS, SJF, round
// robin, MLFQ, and the textbook's SRTF and priority variants) on
// Silberschatz et al.'s four jobs with package mproc/sched, and prints each
// policy's timeline, one character per time unit, and its averages.
//
// Run it with: go run ./examples/sched
// (`go run ./cmd/mproc sched --compare FILE` does the same for a CSV file.)
package main

import (
	"fmt"
	"os"
	"strings"

	"mproc/sched"
)

// Operating System Concepts, 10th ed., §5.3.2 (SRTF's example), with
// priorities added: the longest job, P3, is the most urgent.
var jobs = []sched.Job{
	{Name: "P1", Arrival: 0, Burst: 8, Priority: 3},
	{Name: "P2", Arrival: 1, Burst: 4, Priority: 4},
	{Name: "P3", Arrival: 2, Burst: 9, Priority: 1},
	{Name: "P4", Arrival: 3, Burst: 5, Priority: 2},
}

var policies = []sched.Policy{
	sched.FCFS{}, sched.SJF{}, sched.SRTF{},
	sched.Priority{}, sched.Priority{Preemptive: true},
	sched.RR{Quantum: 4}, sched.MLFQ{Quanta: []int{2, 4, 8}},
}

func main() {
	fmt.Println("each column is one time unit; the digit is the job on the CPU")
	fmt.Printf("%-20s %-26s %8s %11s %9s\n", "policy", "timeline", "waiting", "turnaround", "response")
	for _, p := range policies {
		s, err := sched.Run(jobs, p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sched:", err)
			os.Exit(1)
		}
		fmt.Printf("%-20s %-26s %8.2f %11.2f %9.2f\n", p.Name(), timeline(s), s.AvgWaiting, s.AvgTurnaround, s.AvgResponse)
		// The textbook's figures: SRTF waits 6.5 on average, SJF 7.75.
		if (p.Name() == "srtf" && s.AvgWaiting != 6.5) || (p.Name() == "sjf" && s.AvgWaiting != 7.75) {
			fmt.Fprintf(os.Stderr, "sched: %s waits %.2f on average, not the textbook's figure\n", p.Name(), s.AvgWaiting)
			os.Exit(1)
		}
	}
	fmt.Println("srtf waits least (6.50, as in the textbook); mlfq responds first")
}

// timeline draws the chart one character per unit: the job's last
// character, or '.' when the CPU is idle.
func timeline(s sched.Schedule) string {
	var b strings.Builder
	for _, seg := range s.Gantt {
		c := "."
		if !seg.Idle() {
			c = seg.Name[len(seg.Name)-1:]
		}
		b.WriteString(strings.Repeat(c, seg.Len()))
	}
	return b.String()
}
