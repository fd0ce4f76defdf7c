package mproc

import (
	"context"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"mproc/internal/spawn"
)

// sparePool keeps children started and waiting in mproc.Main, so that a
// Start only hands one its work instead of paying for an exec.
type sparePool struct {
	mu       sync.Mutex
	want     int
	ready    []*spawn.Child
	starting int
	err      error         // why spares were turned off, if they failed
	stderr   *os.File      // an idle spare's, for what it says if it fails to start
	changed  chan struct{} // closed and replaced when ready or starting changes
}

var spares = sparePool{changed: make(chan struct{})}

// WarmSpares keeps n children started ahead and waiting for work (0, the
// default, turns them off and ends the waiting ones). A Start then costs a
// message instead of an exec of the binary. Spares are hidden: they are not
// in ActiveChildren, and they end with this process, however it ends.
// A spare gets its output (WithStdout, WithStderr, or os.Stdout and
// os.Stderr as they are at Start) with its work, as a child started then
// would. Until then it has no standard output, so it holds no reader of the
// program's output waiting for EOF, and its standard error is os.Stderr as
// it is at this call: spares start on goroutines of their own, which must
// not read os.Stdout or os.Stderr while the program may be swapping them.
func WarmSpares(n int) {
	spares.mu.Lock()
	spares.want, spares.err, spares.stderr = max(n, 0), nil, os.Stderr
	var drop []*spawn.Child
	if len(spares.ready) > spares.want {
		drop = spares.ready[spares.want:]
		spares.ready = append([]*spawn.Child(nil), spares.ready[:spares.want]...)
	}
	spares.fillLocked()
	spares.notifyLocked()
	spares.mu.Unlock()
	for _, c := range drop {
		c.Close() // EOF tells the spare to exit; its waiter reaps it
	}
}

// AwaitSpares waits until the spares WarmSpares asked for are all started
// and waiting. It returns an error if they could not start (the binary does
// not call mproc.Main, say), or ctx's error.
func AwaitSpares(ctx context.Context) error {
	for {
		spares.mu.Lock()
		ready, want, err, changed := len(spares.ready), spares.want, spares.err, spares.changed
		spares.mu.Unlock()
		switch {
		case err != nil:
			return err
		case ready >= want:
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *sparePool) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// take returns a ready spare, waiting for one that is starting rather than
// exec'ing beside it; nil means none is coming.
func (s *sparePool) take(ctx context.Context) *spawn.Child {
	for {
		s.mu.Lock()
		for len(s.ready) > 0 {
			c := s.ready[0]
			s.ready = s.ready[1:]
			if closedChan(c.Exited()) {
				c.Close()
				continue
			}
			s.fillLocked()
			s.mu.Unlock()
			return c
		}
		if s.starting == 0 {
			s.fillLocked()
			s.mu.Unlock()
			return nil
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil
		}
	}
}

func (s *sparePool) fillLocked() {
	for len(s.ready)+s.starting < s.want {
		s.starting++
		go s.launch()
	}
}

func (s *sparePool) launch() {
	s.mu.Lock()
	stderr := s.stderr
	s.mu.Unlock()
	c, err := spawn.Launch(spawn.Options{StartupWait: defaultStartTimeout, NoStdout: true, Stderr: stderr})
	if err == nil {
		err = waitForMain(c, "a warm spare", defaultStartTimeout)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notifyLocked()
	s.starting--
	switch {
	case err != nil:
		s.want, s.err = 0, err // a binary whose children can't start won't do better next time
		if c != nil {
			c.Signal(syscall.SIGKILL)
			c.Close()
		}
	case len(s.ready) < s.want:
		s.ready = append(s.ready, c)
	default:
		c.Close()
	}
}

// awaitReady reports whether child c, given no work yet, reached mproc.Main.
func awaitReady(c *spawn.Child, timeout time.Duration) bool {
	return waitForMain(c, "a helper", timeout) == nil
}

// waitForMain waits for child c, given no work yet, to report mproc.Main,
// with the start rule of startBackstop.
func waitForMain(c *spawn.Child, name string, timeout time.Duration) error {
	t := time.NewTimer(startBackstop(timeout))
	defer t.Stop()
	select {
	case f, ok := <-c.Frames():
		if !ok {
			return diedStarting(c, name, false, timeout)
		}
		if f.Kind != kindReady {
			return fmt.Errorf("mproc: %s (pid %d) sent frame kind %d before reporting mproc.Main", name, c.Pid, f.Kind)
		}
		return nil
	case <-t.C:
		return stuckStarting(c, name, false, timeout)
	}
}

// acquireChild returns a spare when one is waiting or about to be (spare is
// true: it has already reported mproc.Main), or starts a child.
func acquireChild(ctx context.Context, cfg procConfig, out *childOutput) (c *spawn.Child, spare bool, err error) {
	if c := spares.take(ctx); c != nil {
		return c, true, nil
	}
	var sig syscall.Signal
	if cfg.daemon {
		sig = syscall.SIGKILL
	}
	c, err = spawn.Launch(spawn.Options{Pdeathsig: sig, StartupWait: cfg.startTimeout, Stdout: out.files[0], Stderr: out.files[1]})
	return c, false, err
}
