package mproc

import (
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
}

var spares sparePool

// WarmSpares keeps n children started ahead and waiting for work (0, the
// default, turns them off and ends the waiting ones). A Start then costs a
// message instead of an exec of the binary. Spares are hidden: they are not
// in ActiveChildren, and they end with this process, however it ends.
func WarmSpares(n int) {
	spares.mu.Lock()
	spares.want = max(n, 0)
	var drop []*spawn.Child
	if len(spares.ready) > spares.want {
		drop = spares.ready[spares.want:]
		spares.ready = append([]*spawn.Child(nil), spares.ready[:spares.want]...)
	}
	spares.fillLocked()
	spares.mu.Unlock()
	for _, c := range drop {
		c.Close() // EOF tells the spare to exit; its waiter reaps it
	}
}

// take returns a ready spare, or nil.
func (s *sparePool) take() *spawn.Child {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.ready) > 0 {
		c := s.ready[0]
		s.ready = s.ready[1:]
		if !closedChan(c.Exited()) {
			s.fillLocked()
			return c
		}
		c.Close()
	}
	s.fillLocked()
	return nil
}

func (s *sparePool) fillLocked() {
	for len(s.ready)+s.starting < s.want {
		s.starting++
		go s.launch()
	}
}

func (s *sparePool) launch() {
	c, err := spawn.Launch(spawn.Options{StartupWait: DefaultStartTimeout})
	ok := err == nil && awaitReady(c, DefaultStartTimeout)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.starting--
	switch {
	case !ok:
		s.want = 0 // a binary whose children can't start won't do better next time
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

func awaitReady(c *spawn.Child, d time.Duration) bool {
	select {
	case f, ok := <-c.Frames():
		return ok && f.Kind == kindReady
	case <-time.After(d):
		return false
	}
}

// acquireChild returns a spare when one is waiting (spare is true: it has
// already reported mproc.Main), or starts a child.
func acquireChild(cfg procConfig) (c *spawn.Child, spare bool, err error) {
	if c := spares.take(); c != nil {
		return c, true, nil
	}
	var sig syscall.Signal
	if cfg.daemon {
		sig = syscall.SIGKILL
	}
	c, err = spawn.Launch(spawn.Options{Pdeathsig: sig, StartupWait: cfg.startTimeout})
	return c, false, err
}
