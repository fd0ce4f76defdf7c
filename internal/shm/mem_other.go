//go:build !unix

package shm

import "mproc/internal/platform"

// errUnsupported: the segments are Unix descriptors mapped shared.
var errUnsupported = platform.Unsupported("shared memory between processes (the shared objects: Lock, Queue, Pipe, Value, ...)")

func newFD(string, int) (int, error)          { return -1, errUnsupported }
func checkFD(int, int) error                  { return errUnsupported }
func closeFD(int)                             {}
func mapShared(int, int) ([]byte, error)      { return nil, errUnsupported }
func mapMirrored(int, int) ([]byte, error)    { return nil, errUnsupported }
func unmap([]byte, bool)                      {}
func placeholder([]byte)                      {}
func mapWindow(int, int, int) ([]byte, error) { return nil, errUnsupported }
func unmapWindow([]byte)                      {}
func punch(int, int, int) error               { return errUnsupported }
func zeroFD(int, int, int) error              { return errUnsupported }
func allocated(int) (int64, error)            { return 0, errUnsupported }
