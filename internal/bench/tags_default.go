//go:build !mproc_portable

package bench

// buildTags are passed to the helper binaries this package builds (see
// tags_portable.go).
const buildTags = ""
