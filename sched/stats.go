package sched

// Stats are one job's figures in a schedule, in time units.
type Stats struct {
	Name     string
	Arrival  int
	Burst    int
	Priority int
	// Start is the first time the job was on the CPU, Finish the time it
	// left it for the last time.
	Start, Finish int
	// Waiting is the time between arrival and finish spent off the CPU.
	Waiting int
	// Turnaround is Finish - Arrival.
	Turnaround int
	// Response is Start - Arrival.
	Response int
}
