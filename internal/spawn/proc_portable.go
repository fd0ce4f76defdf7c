//go:build unix && (!linux || mproc_portable)

package spawn

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"

	"mproc/internal/shm"
)

// procHandle holds a child as an *os.Process, whose Wait and Signal the
// os package keeps from ever reaching a recycled pid (with a pidfd on
// Linux, waitid or wait6 without reaping on Linux and FreeBSD, a lock around
// wait4 elsewhere). Each waiting child holds a thread blocked in the wait.
//
// There is no parent-death signal off Linux: a daemon child dies instead
// when its control socket, whose other end only the parent holds, reads
// EOF (see mproc's child runtime).
type procHandle struct{ p *os.Process }

var (
	exeOnce sync.Once
	exe     string
	exeErr  error
)

// startProcess starts this binary with files as its descriptors 0-3.
// o.Pdeathsig is not heeded: see procHandle.
func startProcess(o Options, files []*os.File) (int, procHandle, error) {
	exeOnce.Do(func() { exe, exeErr = os.Executable() })
	if exeErr != nil {
		return 0, procHandle{}, fmt.Errorf("mproc: finding this program's binary: %w", exeErr)
	}
	p, err := os.StartProcess(exe, []string{os.Args[0]}, &os.ProcAttr{Env: childEnv(o), Files: files})
	if err != nil {
		return 0, procHandle{}, fmt.Errorf("mproc: starting child: %w", err)
	}
	own(p.Pid)
	return p.Pid, procHandle{p}, nil
}

// wait reaps the child and returns CPython's exit code and the signal.
// A child that did not exit cleanly may have died between creating a
// shared memory file and unlinking it: the sweep removes such a file
// before Join returns.
func (h procHandle) wait() (int, syscall.Signal) {
	st, err := h.p.Wait()
	if err != nil {
		return 255, 0 // unknown: reaped elsewhere
	}
	ws, ok := st.Sys().(syscall.WaitStatus)
	if !ok || !ws.Exited() || ws.ExitStatus() != 0 {
		shm.Sweep()
	}
	switch {
	case !ok:
		return 255, 0
	case ws.Signaled():
		return -int(ws.Signal()), ws.Signal()
	case ws.Exited():
		return ws.ExitStatus(), 0
	}
	return 255, 0
}

func (h procHandle) signal(sig syscall.Signal) error {
	if err := h.p.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}
