// Package futex waits on and wakes 32-bit words in memory shared between
// processes.
//
// On Linux it uses futexes. Elsewhere, and on Linux when built with the
// mproc_portable tag, Wait spins briefly and then polls the word with a
// sleep that backs off to about a millisecond: nothing the other systems
// offer is both shared between processes and reachable from Go without
// cgo. Wake there wakes the waiters of this process at once (a cancelled
// context's wake-up, a goroutine executor's peers); a waiter in another
// process sees the word change at its next poll. Callers re-check their
// condition after every return, so either way is correct, the portable one
// only slower to notice.
package futex
