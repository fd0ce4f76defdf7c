//go:build unix

package mproc

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"mproc/internal/auth"
	"mproc/internal/spawn"
	"mproc/internal/wire"
)

// runChild is the life of a child: report for work, take it, run it, report
// back. It returns the exit code.
func runChild(env string) int {
	conn, err := spawn.ControlConn()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitNoMain
	}
	if spawn.WriteFrame(conn, kindReady, nil) != nil {
		return 0 // the parent is gone before giving work (an unused spare)
	}
	fdr, err := spawn.NewFDReader(conn)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitNoMain
	}
	r := bufio.NewReader(fdr)
	k, payload, err := wire.ReadFrame(r, wire.DefaultMaxFrame)
	if err != nil {
		return 0
	}
	var b bootstrap
	if k != kindBootstrap || decodeMsg(payload, &b) != nil {
		fmt.Fprintln(os.Stderr, "mproc: child got a malformed bootstrap")
		return exitNoMain
	}
	if b.Stdio && !takeOutput(fdr) {
		return exitNoMain
	}
	if os.Getenv(spawn.EnvRestoreProcs) != "" {
		os.Unsetenv(spawn.EnvRestoreProcs)
		os.Unsetenv("GOMAXPROCS")
		runtime.SetDefaultGOMAXPROCS()
	}
	becomeChild(b)
	if !setParentDeath(b) {
		return 0
	}
	run, err := prepare(b, fdr)
	if err != nil {
		return report(conn, b, outcome{}, err)
	}
	if spawn.WriteFrame(conn, kindAck, nil) != nil && b.Daemon {
		return 0
	}
	return execute(conn, r, b, run)
}

// takeOutput puts the descriptors that came first with the work of a warm
// spare onto its standard output and error, in place of those it was
// started with; os.Stdout and os.Stderr are these descriptors, so they
// follow. false means the parent sent them and they did not arrive.
func takeOutput(fdr *spawn.FDReader) bool {
	fds, err := fdr.TakeFDs(2)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mproc:", err)
		return false
	}
	for i, fd := range fds {
		unix.Dup2(fd, 1+i)
		unix.Close(fd)
	}
	return true
}

// becomeChild sets what Current and Parent return in this child.
func becomeChild(b bootstrap) {
	current.self = selfRecord(procConfig{name: b.Name, daemon: b.Daemon, authKey: auth.NewKey(b.AuthKey)}, b.Identity)
	current.parent = &Process{role: roleParent, cfg: procConfig{name: b.ParentName}, pid: b.ParentPid, state: stateStarted}
	Current()
}

// setParentDeath makes a daemon die with its parent (see
// setPdeathsig). It returns false when the parent of a daemon is already
// gone. (Idle spares have no such signal: they exit on the EOF of
// their control socket, so a spare that becomes a non-daemon has nothing to
// undo.)
func setParentDeath(b bootstrap) bool {
	if !b.Daemon {
		return true
	}
	setPdeathsig()
	return os.Getppid() == b.ParentPid
}

// prepare finds the target and decodes its argument, after mapping the
// shared segments that came with the bootstrap.
func prepare(b bootstrap, fdr *spawn.FDReader) (func(context.Context) (outcome, error), error) {
	fds, err := fdr.TakeFDs(b.Attach.count())
	if err != nil {
		return nil, err
	}
	rcv, err := receive(b.Attach, fds)
	if err != nil {
		return nil, err
	}
	defer rcv.done()
	reg, ok := lookup(b.Func)
	if !ok {
		return nil, fmt.Errorf("%w: %q is not registered in the child; register it at package level (var f = mproc.Register...) or in init, not after mproc.Main", ErrNotRegistered, b.Func)
	}
	return reg.decodeArg(b.Arg)
}

// session is a running target and the ways it can be stopped.
type session struct {
	b           bootstrap
	cancel      context.CancelFunc
	returned    chan struct{} // closed when the target returns
	terminating chan struct{} // closed when the parent asked for Terminate
}

// listen reads the control socket: a terminate frame cancels the target's
// context and, after the grace period or as soon as the target returns, ends
// the child by SIGTERM (so the parent sees -15, as with CPython's terminate).
// EOF means the parent died: a daemon follows it, a non-daemon carries on as
// an orphan. The parent's Terminate travels here rather than as a signal
// because signal.Notify would cost every child a signal-handling goroutine.
func (s *session) listen(r *bufio.Reader) {
	for {
		k, _, err := wire.ReadFrame(r, wire.DefaultMaxFrame)
		if err != nil {
			break
		}
		if k == kindTerminate {
			close(s.terminating)
			s.cancel()
			select {
			case <-s.returned:
			case <-time.After(time.Duration(s.b.GraceNanos)):
			}
			dieBy(syscall.SIGTERM)
		}
	}
	if s.b.Daemon {
		dieBy(syscall.SIGKILL)
	}
}

// execute runs the target on this goroutine, so a child starts no thread
// of its own for it.
func execute(conn *os.File, r *bufio.Reader, b bootstrap, run func(context.Context) (outcome, error)) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &session{b: b, cancel: cancel, returned: make(chan struct{}), terminating: make(chan struct{})}
	go s.listen(r)
	res, err := run(ctx)
	close(s.returned)
	select {
	case <-s.terminating:
		select {} // listen ends the process
	default:
	}
	return report(conn, b, res, err)
}

// report sends the result or failure and returns the exit code.
func report(conn *os.File, b bootstrap, res outcome, err error) int {
	if err == nil && !res.att.empty() {
		desc, fds := res.att.describe()
		err = spawn.WriteFrameFDs(conn, kindResultFDs, encodeMsg(sharedResult{Result: res.payload, Attach: desc}), fds)
		res.att.release()
		if err == nil {
			return 0
		}
	}
	if err == nil {
		spawn.WriteFrame(conn, kindResult, res.payload)
		return 0
	}
	f := newFailure(err)
	msg := f.Message
	if f.Panicked {
		msg = "panic: " + msg + "\n\n" + f.Stack
	}
	fmt.Fprintf(os.Stderr, "Process %s:\n%s\n", b.Name, msg)
	spawn.WriteFrame(conn, kindFailure, encodeMsg(f))
	return 1
}

// dieBy ends this process by sig with the default action, so the parent's
// exit code is -sig as in CPython. Reset undoes any signal.Notify of the
// target's for sig.
func dieBy(sig syscall.Signal) {
	signal.Reset(sig)
	unix.Kill(os.Getpid(), sig)
	for {
		time.Sleep(time.Hour)
	}
}
