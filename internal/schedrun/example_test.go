package schedrun_test

import (
	"context"
	"fmt"
	"time"

	"mproc/internal/schedrun"
	"mproc/sched"
)

// Round robin with a quantum of 2 units of 5 ms: A is stopped after 10 ms
// of CPU for B, then continued. The times vary from run to run (see
// r.RealGantt, r.Jobs and r.Deviation); the order and the CPU each job
// burnt do not.
func ExampleRun() {
	jobs := []sched.Job{{Name: "A", Burst: 3}, {Name: "B", Arrival: 1, Burst: 2}}
	r, err := schedrun.Run(context.Background(), jobs, sched.RR{Quantum: 2}, 5*time.Millisecond)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range r.RealGantt {
		fmt.Printf("%s, planned %v of CPU\n", s.Name, s.Plan)
	}
	for _, j := range r.Jobs {
		fmt.Printf("%s burnt its %v: %v\n", j.Name, j.Burst, j.CPU >= j.Burst)
	}
	fmt.Println("preemptions:", r.Deviation.Preemptions)
	// Output:
	// A, planned 10ms of CPU
	// B, planned 10ms of CPU
	// A, planned 5ms of CPU
	// A burnt its 15ms: true
	// B burnt its 10ms: true
	// preemptions: 1
}
