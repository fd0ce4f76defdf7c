package gantt_test

import (
	"os"

	"mproc/internal/gantt"
	"mproc/sched"
)

// Silberschatz et al.'s first FCFS example: the convoy of two short jobs
// behind a long one, and round robin's averages beside it.
func Example() {
	jobs := []sched.Job{{Name: "P1", Burst: 24}, {Name: "P2", Burst: 3}, {Name: "P3", Burst: 3}}
	policies := []sched.Policy{sched.FCFS{}, sched.RR{Quantum: 4}}
	var runs []sched.Schedule
	for _, p := range policies {
		s, err := sched.Run(jobs, p)
		if err != nil {
			panic(err)
		}
		runs = append(runs, s)
	}
	gantt.Chart(os.Stdout, runs[0].Gantt, 40)
	gantt.JobTable(os.Stdout, runs[0])
	gantt.Compare(os.Stdout, policies, runs)
	// Output:
	// +-------------------------+-----+-----+
	// |           P1            | P2  | P3  |
	// +-------------------------+-----+-----+
	// 0                         24    27    30
	// job      arrival  burst  start  finish  waiting  turnaround  response
	// P1             0     24      0      24        0          24         0
	// P2             0      3     24      27       24          27        24
	// P3             0      3     27      30       27          30        27
	// average                                   17.00       27.00     17.00
	// policy                           avg waiting   avg turnaround   avg response
	// fcfs (first-come, first-served)        17.00            27.00          17.00
	// rr (round robin, quantum 4)             5.67*           15.67*          3.67*
	//
	// * the lowest of the column
}
