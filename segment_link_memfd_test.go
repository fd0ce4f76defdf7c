//go:build linux && !mproc_portable

package mproc_test

import "strings"

// isSegmentLink tells, from a /proc/self/fd link, a descriptor of one of
// mproc's segments: a memfd.
func isSegmentLink(link string) bool { return strings.HasPrefix(link, "/memfd:mproc") }

// namedInDevShm tells a descriptor on a file that has a name in /dev/shm.
func namedInDevShm(link string) bool { return strings.HasPrefix(link, "/dev/shm/") }
