//go:build !linux || mproc_portable

package connection_test

import "strings"

// isSegmentLink tells, from a /proc/self/fd link, a descriptor of one of
// mproc's segments: with the portable tag, a file in /dev/shm unlinked at
// creation.
func isSegmentLink(link string) bool {
	return strings.HasPrefix(link, "/dev/shm/mproc") && strings.HasSuffix(link, " (deleted)")
}
