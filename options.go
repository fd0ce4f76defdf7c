package mproc

import (
	"io"
	"time"

	"mproc/internal/auth"
)

// Option configures a process before it starts.
type Option func(*procConfig)

type procConfig struct {
	name         string
	daemon       bool
	authKey      auth.Key // never printed: see auth.Key
	startTimeout time.Duration
	grace        time.Duration
	stdout       io.Writer
	stderr       io.Writer
}

// defaultStartTimeout is how long a running child may take to reach
// mproc.Main (see WithStartTimeout).
const defaultStartTimeout = 3 * time.Second

// defaultTerminateGrace is how long a terminated child's target has, after
// its context is cancelled, before the child ends anyway.
const defaultTerminateGrace = time.Second

func newProcConfig(opts []Option) procConfig {
	c := procConfig{startTimeout: defaultStartTimeout, grace: defaultTerminateGrace}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithName sets the process name (default "Process-N", numbered like CPython:
// "Process-2:1" is the first child of "Process-2").
func WithName(name string) Option { return func(c *procConfig) { c.name = name } }

// WithDaemon makes the child a daemon: it ends when its parent ends, however
// the parent ends, and may not start children of its own.
func WithDaemon(daemon bool) Option { return func(c *procConfig) { c.daemon = daemon } }

// WithAuthKey sets the child's auth key (default, and for an empty key:
// the parent's).
func WithAuthKey(key []byte) Option {
	return func(c *procConfig) { c.authKey = auth.NewKey(append([]byte(nil), key...)) }
}

// WithStartTimeout sets how long a child may run without reaching
// mproc.Main (default 3 s); it is how Start tells a binary whose main does
// not call mproc.Main from one that is only slow. The child counts it
// itself, from the moment its Go runtime starts initializing the program
// (when it first reports to the parent), and leaves out the time it spent
// waiting for a CPU, so a loaded machine does not use it up. A child that
// runs out of it, or ends before reaching mproc.Main, makes Start fail with
// ErrNoMain. The exec before that report and the work after mproc.Main are
// not counted: ctx bounds them, as does, against a wedged child, a backstop
// of 20 times the start timeout (at least a minute), after which the child
// is killed and Start fails with ErrTimeout.
func WithStartTimeout(d time.Duration) Option {
	return func(c *procConfig) { c.startTimeout = d }
}

// WithStdout sends the child's standard output to w, with os/exec's rules
// (Cmd.Stdout): an *os.File is given to the child as it is; any other
// writer gets a pipe and a goroutine here that copies into it, and Join and
// Wait return once the copying is done, that is, once every process
// holding the pipe (the child's own children too) has closed it. The
// copying goroutine is the only caller of w's Write, unless w is given to
// other processes too; a writer given to both WithStdout and WithStderr
// gets one pipe for both. nil, the default, is this process's os.Stdout as
// it is at Start. Warm spares get it with their work.
//
// When w fails a Write, the rest of the output is dropped (the child
// goes on), and Wait returns the error if the process otherwise succeeded.
func WithStdout(w io.Writer) Option { return func(c *procConfig) { c.stdout = w } }

// WithStderr is WithStdout for the child's standard error (nil: this
// process's os.Stderr at Start). A panic or error report of the child goes
// there too.
func WithStderr(w io.Writer) Option { return func(c *procConfig) { c.stderr = w } }

// WithTerminateGrace sets how long the child's target may run after
// Terminate cancels its context (default 1 s).
func WithTerminateGrace(d time.Duration) Option { return func(c *procConfig) { c.grace = d } }
