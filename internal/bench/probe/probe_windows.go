package probe

import (
	"os"
	"time"

	"mproc/internal/platform"
)

// errUnsupported: the probes share memory and sockets between processes.
var errUnsupported = platform.Unsupported("the bench's limit probes")

// New is not available here.
func New() (*os.File, []byte, error) { return nil, nil, errUnsupported }

// Map is not available here.
func Map(*os.File) ([]byte, error) { return nil, errUnsupported }

// Unmap does nothing: nothing is mapped here.
func Unmap([]byte) {}

// Socketpair is not available here.
func Socketpair() (int, *os.File, error) { return -1, nil, errUnsupported }

// PingSocket is not available here.
func PingSocket(int, int) (time.Duration, error) { return 0, errUnsupported }

// Echo is not available here.
func Echo(*os.File) error { return errUnsupported }

// CloseFD does nothing: no descriptor comes from Socketpair here.
func CloseFD(int) {}
