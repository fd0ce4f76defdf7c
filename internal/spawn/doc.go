// Package spawn starts the program's own binary again as a child process
// with a control socket at a fixed descriptor, and watches it until it is
// reaped.
//
// Go cannot fork a running program, so every child is a fresh exec of
// /proc/self/exe that finds its work through mproc.Main. Children are started
// from one goroutine locked to an OS thread that never exits: Linux delivers
// the parent-death signal when the creating thread ends, not the process, so
// a short-lived thread would kill daemon children early.
package spawn
