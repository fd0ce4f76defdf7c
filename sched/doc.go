// Package sched simulates CPU scheduling policies on one CPU: the ones a first
// course in operating systems teaches (first-come first-served, shortest job
// first, shortest remaining time first, priority, round robin and the
// multi-level feedback queue). It is pure: it computes schedules and starts
// no processes.
//
// # Model
//
// A [Job] arrives at an integer time and needs an integer amount of CPU time,
// its burst. Time is a count of abstract units (textbooks use milliseconds);
// integers keep every figure exact, as the textbooks' worked examples are.
// Switching between jobs costs nothing. [Run] applies a [Policy] to a job list
// and returns a [Schedule]: the Gantt chart as [Segment]s, and per job ([Stats])
//
//   - start: the first time it is on the CPU,
//   - finish: when its last unit of work is done,
//   - turnaround = finish - arrival,
//   - waiting = turnaround - the CPU time it got (its burst, in a simulation),
//   - response = start - arrival,
//
// with their averages. The chart starts at time 0 and has no holes: a stretch
// where no job is ready is a segment with the empty name (see [Segment.Idle]).
// A segment is a maximal run of one job: when a round-robin quantum ends and
// no other job is waiting, the same job goes on, in the same segment.
//
// # Conventions
//
// Lower numbers mean higher priority, as in Silberschatz et al. A policy that
// must choose between equally good jobs (same burst for SJF, same remaining time
// for SRTF, same priority, simultaneous arrivals for FCFS and the queues) takes
// the one that arrived first and, among those, the one earlier in the job list.
// The preemptive policies therefore never preempt for a tie: the running job
// arrived first.
//
// Queues order jobs by the time they entered them. When a job arrives at the
// very instant the running job's quantum expires (or it is preempted), the
// arriving job enters the queue first and the preempted one behind it, the
// convention of Silberschatz et al.'s round robin.
//
// The multi-level feedback queue ([MLFQ]) follows the seed tutorial's account,
// with OSTEP's accounting of time: a new job enters the top level; the highest
// non-empty level runs, round robin within a level; a job that has used its
// level's whole quantum moves one level down (the bottom level is round robin
// forever); a job that arrives while a lower-level job runs preempts it, and the
// preempted job goes to the tail of its level, keeping the time it has used
// there (so it cannot dodge demotion by being preempted, OSTEP's rule 4). Every
// Boost units all jobs go back to the top level with fresh allotments, in the
// order of their levels and queues, the running job last (OSTEP's rule 5).
//
// # Replaying a schedule
//
// A Schedule's Gantt is a plan that an executor can replay on real processes.
// What it measures, segments of real time in the same units, goes through
// [Analyze], which validates a chart against the jobs and computes the same
// Schedule from it.
package sched
