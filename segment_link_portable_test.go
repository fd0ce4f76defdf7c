//go:build !linux || mproc_portable

package mproc_test

import "strings"

// isSegmentLink tells, from a /proc/self/fd link, a descriptor of one of
// mproc's segments: with the portable tag, a file in /dev/shm unlinked at
// creation.
func isSegmentLink(link string) bool {
	return strings.HasPrefix(link, "/dev/shm/mproc") && strings.HasSuffix(link, " (deleted)")
}

// namedInDevShm tells a descriptor on a file that still has a name in
// /dev/shm.
func namedInDevShm(link string) bool {
	return strings.HasPrefix(link, "/dev/shm/") && !strings.HasSuffix(link, " (deleted)")
}
