//go:build unix && !linux

package shm

// punch zeroes n bytes at off. Not every system can punch holes in a
// shared file from Go (macOS has F_PUNCHHOLE on APFS only, FreeBSD
// fspacectl from 14): the bytes read as zeros, as promised, but their
// memory stays allocated until the segment is freed.
func punch(fd, off, n int) error { return zeroFD(fd, off, n) }
