package spawn

import "golang.org/x/sys/unix"

// inq is how many bytes wait unread in socket fd.
func inq(fd int) int {
	n, _ := unix.IoctlGetInt(fd, unix.SIOCINQ)
	return n
}
