package sched_test

import (
	"fmt"
	"strings"

	"mproc/sched"
)

// Round robin with a quantum of 4 on Silberschatz et al.'s example: P1 needs
// 24 units, P2 and P3 three each, all arriving at 0.
func Example() {
	jobs := []sched.Job{
		{Name: "P1", Burst: 24},
		{Name: "P2", Burst: 3},
		{Name: "P3", Burst: 3},
	}
	s, err := sched.Run(jobs, sched.RR{Quantum: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range s.Gantt {
		fmt.Printf("%2d-%2d %s\n", g.Start, g.End, g.Name)
	}
	for _, j := range s.Jobs {
		fmt.Printf("%s waits %d, turnaround %d, response %d\n", j.Name, j.Waiting, j.Turnaround, j.Response)
	}
	fmt.Printf("average waiting %.2f\n", s.AvgWaiting)
	// Output:
	//  0- 4 P1
	//  4- 7 P2
	//  7-10 P3
	// 10-30 P1
	// P1 waits 6, turnaround 30, response 0
	// P2 waits 4, turnaround 7, response 4
	// P3 waits 7, turnaround 10, response 7
	// average waiting 5.67
}

// A job file with priorities, lower numbers first.
func ExampleParseCSV() {
	jobs, err := sched.ParseCSV(strings.NewReader(`name,arrival,burst,priority
batch,0,6,5
editor,1,2,1
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	s, _ := sched.Run(jobs, sched.Priority{Preemptive: true})
	fmt.Println(s.Gantt)
	// Output:
	// [{batch 0 1} {editor 1 3} {batch 3 8}]
}

// A chart measured on real processes, where work took longer than planned,
// analysed like a simulated one.
func ExampleAnalyze() {
	jobs := []sched.Job{{Name: "A", Burst: 2}, {Name: "B", Burst: 2}}
	measured := []sched.Segment{{Name: "A", Start: 0, End: 3}, {Name: "B", Start: 4, End: 6}}
	s, err := sched.Analyze(jobs, measured)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Gantt)
	fmt.Println(s.AvgWaiting, s.AvgTurnaround)
	// Output:
	// [{A 0 3} { 3 4} {B 4 6}]
	// 2 4.5
}
