//go:build unix

package spawn

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// ControlConn returns the child's end of the control socket, moved to a
// close-on-exec descriptor so that programs the child runs don't inherit it
// (they would keep "EOF means the child died" from ever happening).
func ControlConn() (*os.File, error) {
	fd, err := unix.FcntlInt(ControlFD, unix.F_DUPFD_CLOEXEC, ControlFD+1)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoControl, err)
	}
	unix.Close(ControlFD)
	unix.SetNonblock(fd, true)
	return os.NewFile(uintptr(fd), "mproc-control"), nil
}

func setNonblock(fd int) { unix.SetNonblock(fd, true) }
