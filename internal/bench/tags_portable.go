//go:build mproc_portable

package bench

// buildTags are passed to the helper binaries this package builds, so
// that both sides of a probe use the same mechanisms (a futex on one side
// and the portable poll on the other would not wake each other).
const buildTags = "mproc_portable"
