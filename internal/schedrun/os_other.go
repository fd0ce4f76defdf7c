//go:build !linux

package schedrun

import (
	"errors"
	"fmt"
	"time"
)

// errNotLinux: the dispatcher stops and starts real processes with
// SIGSTOP and SIGCONT, pins them to one CPU and reads their CPU clocks, and
// waits for stops with waitid(WSTOPPED|WNOWAIT): Linux's calls.
var errNotLinux = fmt.Errorf("schedrun: running the schedule on real processes needs Linux (CPU pinning, per-process CPU clocks, waitid on stops): %w", errors.ErrUnsupported)

// errExited says a child ended where it should have stopped.
var errExited = errors.New("exited")

func monotonic() time.Duration              { return time.Duration(time.Now().UnixNano()) }
func ownCPU() time.Duration                 { return 0 }
func processCPU(int) (time.Duration, error) { return 0, errNotLinux }
func waitStopped(int) error                 { return errNotLinux }
func pin(int, int) error                    { return errNotLinux }
func jobCPU() (int, error)                  { return 0, errNotLinux }
func nap(d time.Duration)                   { time.Sleep(d) }
