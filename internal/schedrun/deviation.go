package schedrun

import "time"

// Deviation is how far the measured run strayed from the simulation, and
// what dispatching cost. Figures in units are floats; the others are wall
// or CPU time.
type Deviation struct {
	// MaxFinish and MeanFinish are over the jobs' |FinishError|.
	MaxFinish, MeanFinish float64
	// The measured averages less the simulated ones, and the measured
	// makespan less the simulated one.
	AvgWaiting, AvgTurnaround, AvgResponse, Makespan float64
	// MaxCPU is the largest |CPU - Burst| over the jobs.
	MaxCPU time.Duration
	// CPUShare is the jobs' CPU time over the wall time of their spans:
	// below 1 when other programs took turns on the jobs' CPU, which
	// stretches the measured times though no job burnt more.
	CPUShare float64
	// Preemptions counts the SIGSTOPs. Overshoot is the CPU time a job
	// used past its segment's plan before it stopped (mean and max);
	// StopLatency the time from SIGSTOP to waitid seeing the job stopped.
	Preemptions                     int
	MeanOvershoot, MaxOvershoot     time.Duration
	MeanStopLatency, MaxStopLatency time.Duration
	// Dispatch is how late each span started: from the later of the span
	// before's end and the job's arrival to the SIGCONT (mean, max, and
	// the sum over the run). After a job's last span it includes the
	// job's exit and reaping.
	MeanDispatch, MaxDispatch, TotalDispatch time.Duration
}
