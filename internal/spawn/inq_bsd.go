//go:build unix && !linux

package spawn

import "golang.org/x/sys/unix"

// fionread is the BSDs' FIONREAD, _IOR('f', 127, int), which x/sys/unix
// does not name for them.
const fionread = 0x4004667f

// inq is how many bytes wait unread in socket fd.
func inq(fd int) int {
	n, _ := unix.IoctlGetInt(fd, fionread)
	return n
}
