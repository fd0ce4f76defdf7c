package shm

import "golang.org/x/sys/unix"

// punch frees the pages of n bytes at off: memfds and tmpfs files both
// take a hole, so the portable build on Linux frees them too.
func punch(fd, off, n int) error {
	return unix.Fallocate(fd, unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, int64(off), int64(n))
}
