package spawn

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"mproc/internal/wire"
)

// EnvChild marks a child started by mproc; its value is "PPID:TIMEOUT_MS".
const EnvChild = "MPROC_CHILD"

// EnvRestoreProcs tells a child that mproc set GOMAXPROCS=1 for its start-up
// (an idle scheduler with one P does not spin), so Main restores the default.
const EnvRestoreProcs = "MPROC_RESTORE_GOMAXPROCS"

// ControlFD is the descriptor of the control socket in the child.
const ControlFD = 3

// Options say how to start a child.
type Options struct {
	Env       []string       // extra environment entries
	Pdeathsig syscall.Signal // sent to the child when this process dies; 0 for none
	// StartupWait is how long the child may take to reach mproc.Main
	// before it gives up, counted by AfterRunnable's rule.
	StartupWait time.Duration
	// NoStdout gives the child /dev/null as its standard output: a helper
	// that outlives the work (the tracker) must not hold the program's
	// output open, or a reader of it (a pipe, go test's Example capture)
	// waits for EOF as long as the helper lives.
	NoStdout bool
	// Stdout and Stderr are the child's descriptors 1 and 2 (nil: this
	// process's os.Stdout and os.Stderr as they are now). Each is put in
	// blocking mode, as os/exec does: the child's Go runtime writes to them
	// as to files it did not open.
	Stdout, Stderr *os.File
}

var (
	devNullOnce sync.Once
	devNull     *os.File
	devNullErr  error
)

// Launch starts a child running this binary with a control socket at
// ControlFD. The child's standard input is /dev/null (as in CPython); its
// output goes where o says.
func Launch(o Options) (*Child, error) {
	devNullOnce.Do(func() { devNull, devNullErr = os.Open(os.DevNull) })
	if devNullErr != nil {
		return nil, devNullErr
	}
	fds, err := Socketpair(syscall.SOCK_STREAM)
	if err != nil {
		return nil, err
	}
	setNonblock(fds[0]) // pollable: reads park in the netpoller, deadlines work
	conn := os.NewFile(uintptr(fds[0]), "mproc-control")
	childEnd := os.NewFile(uintptr(fds[1]), "mproc-control-child")
	defer childEnd.Close()

	stdout, stderr := o.files()
	pid, proc, err := startProcess(o, []*os.File{devNull, stdout, stderr, childEnd})
	if err != nil {
		conn.Close()
		return nil, err
	}
	return watch(pid, proc, conn), nil
}

// files are the child's stdout and stderr. os.Stdout and os.Stderr are
// read only when o names no file: a caller on a goroutine of its own (a warm
// spare's start) must not read them while the program may swap them.
func (o Options) files() (stdout, stderr *os.File) {
	switch {
	case o.NoStdout:
		stdout = devNull
	case o.Stdout != nil:
		stdout = o.Stdout
	default:
		stdout = os.Stdout
	}
	if stderr = o.Stderr; stderr == nil {
		stderr = os.Stderr
	}
	return stdout, stderr
}

func childEnv(o Options) []string {
	env := append(os.Environ(), o.Env...)
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		env = append(env, "GOMAXPROCS=1", EnvRestoreProcs+"=1")
	}
	if raceExitOption != "" {
		env = append(env, "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" "+raceExitOption))
	}
	return append(env, EnvChild+"="+strconv.Itoa(os.Getpid())+":"+strconv.FormatInt(o.StartupWait.Milliseconds(), 10))
}

// ParseEnv reads EnvChild's value: the parent's pid and how long to wait for
// mproc.Main. ok is false when this process is not an mproc child.
func ParseEnv(v string) (ppid int, wait time.Duration, ok bool) {
	a, b, found := strings.Cut(v, ":")
	if !found {
		return 0, 0, false
	}
	pp, err1 := strconv.Atoi(a)
	ms, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return pp, time.Duration(ms) * time.Millisecond, true
}

// ErrNoControl means this process was marked as a child but has no control socket.
var ErrNoControl = errors.New("mproc: no control socket at fd 3")

// WriteFrame sends a frame on a control connection.
func WriteFrame(c *os.File, k byte, payload []byte) error {
	return wire.WriteFrame(c, k, payload)
}
