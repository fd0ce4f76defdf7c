// Package schedrun runs a job list of package sched as real CPU-bound
// child processes, one at a time on one CPU, under a policy's schedule, and
// measures what happens: the simulator meets mproc.
//
// Each job is an mproc child that burns CPU until its own CPU clock has
// advanced by its burst times the unit, then exits. All the jobs are
// started before the run and stop themselves (SIGSTOP) before burning
// anything; the dispatcher pins every thread of each to one CPU and reads
// its CPU clock there, so start-up costs nothing of a burst. It then
// follows the simulation's chart: for each segment it sends the job SIGCONT
// and, when the job's CPU clock (read from the dispatcher through
// clock_getcpuclockid's process clock) has advanced by what the plan gives
// the segment, SIGSTOP; a job's last segment ends when the job sees its
// burst used up. No job is dispatched before its arrival in wall time.
//
// So the decisions are the policy's plan, made in advance by sched.Run,
// while the times are measured: a job that overruns its slice (the
// dispatcher naps in between reads of its clock) or a slow switch shows
// in the measured Gantt, the figures and the Deviation, and is not hidden.
// Stopped processes stop every thread of their Go runtime too.
//
// Two runs at once share the CPU: each measures the other as load, as it
// does any other program there (Deviation.CPUShare).
//
// Linux only, like mproc.
package schedrun
