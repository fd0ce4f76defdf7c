// Package chaos is mproc's fault suite: each case runs one trial in which
// real processes are SIGKILLed at bad moments (in the middle of a Map, a
// Put, holding a lock, serving a manager, being a parent) and checks the
// invariants mproc promises afterwards. Run repeats cases and counts runs,
// failures and the worst measured time; Soak mixes workloads with random
// kills.
//
// The package registers child functions, so a binary that uses it must
// call mproc.Main first, as every mproc binary does. Trials leave orphans
// behind on purpose (the parent-killed case); call mproc.SetSubreaper
// first so that this process reaps them.
package chaos
