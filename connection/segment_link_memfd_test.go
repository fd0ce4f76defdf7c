//go:build linux && !mproc_portable

package connection_test

import "strings"

// isSegmentLink tells, from a /proc/self/fd link, a descriptor of one of
// mproc's segments: a memfd.
func isSegmentLink(link string) bool { return strings.HasPrefix(link, "/memfd:mproc") }
