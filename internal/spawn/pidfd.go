//go:build linux && !mproc_portable

package spawn

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// procHandle holds a child by a pidfd, so signals never reach a recycled
// pid and waiting takes no thread.
type procHandle struct{ pidfd *os.File }

// exePath is this binary, whatever it was started as.
const exePath = "/proc/self/exe"

// startProcess starts this binary with files as its descriptors 0-3, from
// the thread that never exits when o asks for a parent-death signal.
func startProcess(o Options, files []*os.File) (int, procHandle, error) {
	fds := make([]uintptr, len(files))
	for i, f := range files {
		fds[i] = f.Fd()
	}
	pidfd := -1
	attr := &syscall.ProcAttr{
		Env:   childEnv(o),
		Files: fds,
		Sys:   &syscall.SysProcAttr{Pdeathsig: o.Pdeathsig, PidFD: &pidfd},
	}
	var pid int
	var err error
	start := func() { pid, _, err = syscall.StartProcess(exePath, []string{os.Args[0]}, attr) }
	if o.Pdeathsig != 0 {
		OnLockedThread(start)
	} else {
		start()
	}
	if err != nil {
		return 0, procHandle{}, fmt.Errorf("mproc: starting child: %w", err)
	}
	own(pid) // before anything can wait: see owned
	if pidfd < 0 {
		syscall.Kill(pid, syscall.SIGKILL)
		disown(pid) // a subreaper may reap it: nobody else holds it
		return 0, procHandle{}, errors.New("mproc: this kernel gives no pidfd (Linux 5.3 or later is needed)")
	}
	syscall.SetNonblock(pidfd, true)
	return pid, procHandle{os.NewFile(uintptr(pidfd), "pidfd")}, nil
}

// Linux's CLD_* codes in siginfo.si_code for a child that ended.
const (
	cldExited = 1
	cldKilled = 2
	cldDumped = 3
)

// wait reaps the child and returns its exit code and signal: the pidfd
// polls readable when it exits, then waitid(P_PIDFD, WNOHANG) collects the
// status.
func (h procHandle) wait() (code int, sig syscall.Signal) {
	defer h.pidfd.Close()
	rc, err := h.pidfd.SyscallConn()
	if err != nil {
		return 255, 0
	}
	var info unix.Siginfo
	for {
		var werr error
		rerr := rc.Read(func(fd uintptr) bool {
			info = unix.Siginfo{}
			werr = unix.Waitid(unix.P_PIDFD, int(fd), &info, unix.WEXITED|unix.WNOHANG, nil)
			return werr != syscall.EAGAIN && (werr != nil || childPid(&info) != 0)
		})
		if rerr == nil && werr == syscall.EINTR {
			continue
		}
		if rerr != nil || werr != nil {
			return 255, 0 // unknown: reaped elsewhere
		}
		return decodeStatus(&info)
	}
}

// siginfo's SIGCHLD fields follow its 16-byte header: si_pid, si_uid, si_status.
func childPid(info *unix.Siginfo) int32 {
	return int32(binary.NativeEndian.Uint32((*[112]byte)(unsafeTail(info))[0:4]))
}

func decodeStatus(info *unix.Siginfo) (int, syscall.Signal) {
	status := int(int32(binary.NativeEndian.Uint32((*[112]byte)(unsafeTail(info))[8:12])))
	switch info.Code {
	case cldExited:
		return status, 0
	case cldKilled, cldDumped:
		return -status, syscall.Signal(status)
	}
	return 255, 0
}

// signal sends sig through the pidfd.
func (h procHandle) signal(sig syscall.Signal) error {
	rc, err := h.pidfd.SyscallConn()
	if err != nil {
		return nil // closed: the child was reaped
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.PidfdSendSignal(int(fd), sig, nil, 0) }); err != nil {
		return nil
	}
	if serr == syscall.ESRCH {
		return nil
	}
	return serr
}

// unsafeTail points at the union that follows siginfo's fixed header.
func unsafeTail(info *unix.Siginfo) unsafe.Pointer {
	return unsafe.Add(unsafe.Pointer(info), 16)
}
