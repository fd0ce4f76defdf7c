package mproc

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"mproc/internal/lockword"
	"mproc/internal/spawn"
)

type procState uint8

const (
	stateInitial procState = iota
	stateStarting
	stateStarted
	stateStopped
	stateClosed
)

const lingerAfterRefusal = 2 * time.Second

type procRole uint8

const (
	roleChild  procRole = iota // a process this one started (or will start)
	roleSelf                   // Current()
	roleParent                 // Parent()
)

// Process is a child process running a registered function, or the record
// of the current or parent process (Current, Parent). It mirrors CPython's
// multiprocessing.Process; Proc[R] adds the typed result.
//
// All methods are safe for concurrent use.
type Process struct {
	role     procRole
	cfg      procConfig
	target   string
	encode   func() ([]byte, *attachments, error)
	decode   func([]byte) (any, error) // the result, typed as the function's
	identity []int
	seq      uint64 // start order, for ActiveChildren

	mu        sync.Mutex
	state     procState
	pid       int
	child     *spawn.Child
	out       *childOutput  // set by Start, which alone uses it until monitor
	outErr    error         // the first error copying the child's output
	done      chan struct{} // closed once reaped, its messages read and its output copied
	exitCode  int
	signal    syscall.Signal
	result    any
	hasResult bool
	failure   *RemoteError
}

var (
	processCounter atomic.Int64
	startCounter   atomic.Uint64
)

func newProcess(target string, cfg procConfig, encode func() ([]byte, *attachments, error)) *Process {
	me := Current()
	id := append(append([]int(nil), me.identity...), int(processCounter.Add(1)))
	if cfg.name == "" {
		parts := make([]string, len(id))
		for i, n := range id {
			parts[i] = strconv.Itoa(n)
		}
		cfg.name = "Process-" + strings.Join(parts, ":")
	}
	if cfg.authKey.IsZero() {
		cfg.authKey = me.cfg.authKey
	}
	return &Process{role: roleChild, cfg: cfg, target: target, encode: encode, identity: id}
}

// Name is the process name.
func (p *Process) Name() string { return p.cfg.name }

// Daemon reports whether the process is a daemon.
func (p *Process) Daemon() bool { return p.cfg.daemon }

// AuthKey is the process's auth key: 32 random bytes in the main process,
// inherited by children unless WithAuthKey sets another.
func (p *Process) AuthKey() []byte { return p.cfg.authKey.Bytes() }

// Pid is the process id, or 0 before Start.
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pid
}

// ExitCode is CPython's exitcode: 0 for success, 1 for an error or panic, the
// code passed to Exit, or -N when signal N ended it. ok is false while the
// process has not ended.
func (p *Process) ExitCode() (code int, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil || !closedChan(p.done) {
		return 0, false
	}
	return p.exitCode, true
}

// String prints like CPython's repr: <Process(Process-1, started)>.
func (p *Process) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var st string
	switch p.state {
	case stateInitial:
		st = "initial"
	case stateStarting, stateStarted:
		st = "started"
	case stateStopped:
		st = "stopped exitcode=" + strconv.Itoa(p.exitCode)
	case stateClosed:
		st = "closed"
	}
	if p.cfg.daemon {
		st += " daemon"
	}
	return fmt.Sprintf("<Process(%s, %s)>", p.cfg.name, st)
}

// Start launches the child and returns once it has found its function and
// decoded its argument. It fails with ErrNotRegistered, ErrUnencodable,
// ErrDaemonic, ErrStarted on a second call, ErrNoMain when the child ran and
// did not reach mproc.Main (see WithStartTimeout), or ctx's error: a start
// that is only slow takes as long as ctx allows.
func (p *Process) Start(ctx context.Context) error {
	p.mu.Lock()
	switch {
	case p.role != roleChild:
		p.mu.Unlock()
		return errors.New("mproc: can only start a process created by this one")
	case p.state == stateClosed:
		p.mu.Unlock()
		return ErrClosed
	case p.state != stateInitial:
		p.mu.Unlock()
		return ErrStarted
	}
	p.state = stateStarting
	p.mu.Unlock()

	c, err := p.launch(ctx)
	if err != nil {
		return p.failStart(c, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state, p.pid, p.child = stateStarted, c.Pid, c
	p.done = make(chan struct{})
	p.seq = startCounter.Add(1)
	children.add(p)
	go p.monitor(c, p.done)
	return nil
}

// failStart records a start that failed with err; c is the child that ran,
// or nil. The child is reaped before p.mu is taken: it may take
// lingerAfterRefusal, and Pid and String must not wait that long.
func (p *Process) failStart(c *spawn.Child, err error) error {
	if c != nil {
		reap(c, lingerAfterRefusal)
	}
	if p.out != nil {
		p.out.wait() // the child has exited: only an orphan of its could hold the pipes
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c == nil {
		p.state = stateInitial // nothing ran; the caller may fix the cause and retry
	} else {
		p.finish(c)
	}
	return err
}

// launch starts (or takes a spare) child and hands it the work. A non-nil
// child comes back with an error when the child ran but refused or failed.
func (p *Process) launch(ctx context.Context) (*spawn.Child, error) {
	if err := canStart(); err != nil {
		return nil, err
	}
	if reg, ok := lookup(p.target); !ok || reg.registeredLate() {
		return nil, fmt.Errorf("%w: %q was registered after mproc.Main, so a child never has it; register it at package level (var f = mproc.Register...) or in init", ErrNotRegistered, p.target)
	}
	arg, att, err := p.encode()
	if err != nil {
		return nil, err
	}
	c, spare, err := p.acquire(ctx)
	if err == nil {
		msg, fds := p.bootstrap(arg, att, spare)
		err = c.SendFDs(kindBootstrap, msg, fds)
	}
	att.release() // its descriptors are in flight once sent
	if p.out != nil {
		p.out.release() // the child holds its own copies once launched or sent
	}
	if c == nil {
		return nil, err
	}
	if err != nil {
		c.Signal(syscall.SIGKILL)
		return c, fmt.Errorf("mproc: starting %s: %w", p.cfg.name, err)
	}
	return c, p.awaitAck(ctx, c, spare)
}

// acquire sets up the child's output and starts or takes a child.
func (p *Process) acquire(ctx context.Context) (c *spawn.Child, spare bool, err error) {
	if p.out, err = newChildOutput(p.cfg.stdout, p.cfg.stderr); err != nil {
		return nil, false, err
	}
	return acquireChild(ctx, p.cfg, p.out)
}

// bootstrap is the work for the child and the descriptors that go with it.
// A warm spare also gets its output, which it did not have when it started.
func (p *Process) bootstrap(arg []byte, att *attachments, spare bool) ([]byte, []int) {
	desc, fds := att.describe()
	if spare {
		fds = append(p.out.fds(), fds...)
	}
	me := Current()
	return encodeMsg(bootstrap{
		Func: p.target, Arg: arg, Name: p.cfg.name, Identity: p.identity,
		AuthKey: p.cfg.authKey.Bytes(), Daemon: p.cfg.daemon,
		ParentPid: me.pid, ParentName: me.cfg.name, GraceNanos: int64(p.cfg.grace),
		Attach: desc, Stdio: spare,
	}), fds
}

// awaitAck waits for the child to accept its work; ready is whether it has
// already reported mproc.Main. See startBackstop for what bounds the wait.
func (p *Process) awaitAck(ctx context.Context, c *spawn.Child, ready bool) error {
	backstop := time.NewTimer(startBackstop(p.cfg.startTimeout))
	defer backstop.Stop()
	for {
		select {
		case f, ok := <-c.Frames():
			if !ok {
				return diedStarting(c, p.cfg.name, ready, p.cfg.startTimeout)
			}
			switch f.Kind {
			case kindReady:
				ready = true
			case kindAck:
				return nil
			case kindFailure:
				var fl failure
				if err := decodeMsg(f.Payload, &fl); err != nil {
					return err
				}
				return fl.remote(p.cfg.name, c.Pid)
			}
		case <-backstop.C:
			return stuckStarting(c, p.cfg.name, ready, p.cfg.startTimeout)
		case <-ctx.Done():
			c.Signal(syscall.SIGKILL)
			return ctx.Err()
		}
	}
}

// monitor collects the child's result and exit status.
func (p *Process) monitor(c *spawn.Child, done chan struct{}) {
	var result any
	var hasResult bool
	var fail *RemoteError
	for f := range c.Frames() {
		switch f.Kind {
		case kindResult, kindResultFDs:
			var err error
			if result, err = p.receiveResult(c, f); err != nil {
				fail = newFailure(err).remote(p.cfg.name, c.Pid)
			} else {
				hasResult = true
			}
		case kindFailure:
			var fl failure
			if decodeMsg(f.Payload, &fl) == nil {
				fail = fl.remote(p.cfg.name, c.Pid)
			}
		}
	}
	reap(c, 0)
	outErr := p.out.wait()
	p.mu.Lock()
	p.result, p.hasResult, p.failure, p.outErr = result, hasResult, fail, outErr
	p.finish(c)
	p.mu.Unlock()
	children.remove(p)
	close(done)
}

// reap waits for c to exit and closes it. A child that refused its work
// exits by itself; one that lingers past linger is killed (linger 0: no
// bound, for a child that is running its work).
func reap(c *spawn.Child, linger time.Duration) {
	if linger > 0 {
		t := time.NewTimer(linger)
		select {
		case <-c.Exited():
		case <-t.C:
			c.Signal(syscall.SIGKILL)
		}
		t.Stop()
	}
	<-c.Exited()
	c.Close()
}

// finish records how the reaped child ended; p.mu is held.
func (p *Process) finish(c *spawn.Child) {
	code, sig := c.ExitCode()
	p.exitCode, p.signal, p.pid = code, sig, c.Pid
	if p.state != stateClosed {
		p.state = stateStopped
	}
	if p.done == nil {
		p.done = make(chan struct{})
		close(p.done)
	}
}

// Join waits until the process ends, or returns ctx's error with the process
// still running. Unlike Wait it does not report how the process ended: see
// ExitCode.
func (p *Process) Join(ctx context.Context) error {
	done, err := p.doneChan()
	if err != nil {
		return err
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Process) doneChan() (chan struct{}, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.role == roleSelf:
		return nil, errors.New("mproc: a process cannot join itself")
	case p.role == roleParent:
		return nil, errors.New("mproc: can only join a child process")
	case p.state == stateClosed:
		return nil, ErrClosed
	case p.state == stateInitial || p.state == stateStarting:
		return nil, ErrNotStarted
	}
	return p.done, nil
}

// IsAlive reports whether the process has started and not yet ended.
func (p *Process) IsAlive() (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.role == roleSelf:
		return true, nil
	case p.role == roleParent:
		return lockword.PidAlive(p.pid), nil
	case p.state == stateClosed:
		return false, ErrClosed
	case p.state == stateStarted:
		return !closedChan(p.done), nil
	}
	return false, nil
}

// Terminate asks the process to stop: its target's context is cancelled, and
// once the target returns, or after the grace period (WithTerminateGrace), it
// ends by SIGTERM, so its exit code is -15 either way. Terminating an ended
// process does nothing. Like CPython's, it does not wait: Join after it.
func (p *Process) Terminate() error {
	c, err := p.running()
	if c == nil {
		return err
	}
	if c.Send(kindTerminate, nil) != nil {
		return c.Signal(syscall.SIGTERM)
	}
	// A child too stuck to read its socket still gets the real signal.
	t := time.AfterFunc(p.cfg.grace+terminateMargin, func() { c.Signal(syscall.SIGTERM) })
	go func() { <-c.Exited(); t.Stop() }()
	return nil
}

const terminateMargin = time.Second

// Kill ends the process at once with SIGKILL (exit code -9).
func (p *Process) Kill() error {
	c, err := p.running()
	if c == nil {
		return err
	}
	return c.Signal(syscall.SIGKILL)
}

// running returns the child to signal, or nil and the reason there is none
// (a nil error for a process that already ended).
func (p *Process) running() (*spawn.Child, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.role != roleChild:
		return nil, errors.New("mproc: can only signal a child process")
	case p.state == stateClosed:
		return nil, ErrClosed
	case p.state == stateInitial || p.state == stateStarting:
		return nil, ErrNotStarted
	case p.state == stateStopped:
		return nil, nil
	}
	return p.child, nil
}

// Close releases the process record. Closing a running process is an error
// (join or terminate it first); closing twice is not.
func (p *Process) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.role != roleChild:
		return errors.New("mproc: can only close a child process")
	case p.state == stateStarting, p.state == stateStarted && !closedChan(p.done):
		return fmt.Errorf("%w: cannot close %s; join or terminate it first", ErrStillRunning, p.cfg.name)
	}
	p.state = stateClosed
	p.result = nil
	return nil
}

// outcome returns how a stopped process ended, for Proc.Wait.
func (p *Process) outcome() (any, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.failure != nil:
		return nil, p.failure
	case p.hasResult && p.exitCode == 0 && p.outErr != nil:
		return nil, p.outErr
	case p.hasResult && p.exitCode == 0:
		return p.result, nil
	}
	return nil, &ExitError{Name: p.cfg.name, Pid: p.pid, Code: p.exitCode, Signal: p.signal}
}

func closedChan(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// receiveResult decodes a result frame, with what came beside it.
func (p *Process) receiveResult(c *spawn.Child, f spawn.Frame) (any, error) {
	if f.Kind == kindResult {
		return p.decode(f.Payload)
	}
	var sr sharedResult
	if err := decodeMsg(f.Payload, &sr); err != nil {
		return nil, err
	}
	fds, err := c.TakeFDs(sr.Attach.count())
	if err != nil {
		return nil, err
	}
	rcv, err := receive(sr.Attach, fds)
	if err != nil {
		return nil, err
	}
	defer rcv.done()
	return p.decode(sr.Result)
}
