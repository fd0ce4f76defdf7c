//go:build !unix

package spawn

import (
	"errors"
	"io"
	"os"
	"syscall"

	"mproc/internal/platform"
)

// ErrUnsupported says what runs on this system instead of child processes.
var ErrUnsupported = platform.Unsupported("child processes (Process.Start, Pool, spares)")

type procHandle struct{}

func (procHandle) wait() (int, syscall.Signal) { return 255, 0 }
func (procHandle) signal(syscall.Signal) error { return ErrUnsupported }

func startProcess(Options, []*os.File) (int, procHandle, error) {
	return 0, procHandle{}, ErrUnsupported
}

func inq(int) int { return 0 }

// Socketpair is not available here.
func Socketpair(int) ([2]int, error) { return [2]int{-1, -1}, ErrUnsupported }

// ControlConn is not available here.
func ControlConn() (*os.File, error) { return nil, ErrUnsupported }

// FDReader is not available here: its methods fail.
type FDReader struct{}

// NewFDReader is not available here.
func NewFDReader(syscall.Conn) (*FDReader, error) { return nil, ErrUnsupported }

// Read fails.
func (*FDReader) Read([]byte) (int, error) { return 0, ErrUnsupported }

// TakeFDs fails.
func (*FDReader) TakeFDs(int) ([]int, error) { return nil, ErrUnsupported }

// CloseFDs does nothing.
func (*FDReader) CloseFDs() {}

// WriteFrameFDs fails.
func WriteFrameFDs(io.Writer, byte, []byte, []int) error { return ErrUnsupported }

// ErrMissingFDs means a frame announced descriptors that did not arrive.
var ErrMissingFDs = errors.New("mproc: descriptors announced but not received")

func setNonblock(int) {}
