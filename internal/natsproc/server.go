package natsproc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	// readyBound bounds the wait for a server to take connections when ctx
	// allows longer: JetStream recovers a large store before it is ready.
	readyBound = time.Minute
	// stopGrace is how long Stop waits after SIGTERM before SIGKILL.
	stopGrace = 10 * time.Second
	// errLines is how much of the server's log an error shows.
	errLines = 30
	// readyPoll is how often Start looks at the log for the ready line:
	// a server is ready some 5 to 50 ms after it starts.
	readyPoll = 2 * time.Millisecond
)

// The log lines Start watches for (nats-server's own wording).
const (
	listeningLine = "Listening for client connections on "
	readyLine     = "Server is ready"
)

// Server is a nats-server process with JetStream.
type Server struct {
	cmd  *exec.Cmd
	log  *logFile
	addr string // host:port, from the server's log

	done    chan struct{} // closed when the process has been reaped
	waitErr error         // cmd.Wait's answer, set before done closes

	stopGrace time.Duration
	stopOnce  sync.Once
	stopErr   error
}

// Start starts a nats-server with JetStream listening on host:port (port
// -1: any free port; host "": all interfaces) with its store in dir, and
// waits until it takes connections. The server is found by Locate unless
// WithBinary names one.
func Start(ctx context.Context, host string, port int, dir string, opts ...Option) (*Server, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	bin := o.binary
	if bin == "" {
		var err error
		if bin, err = Locate(ctx); err != nil {
			return nil, err
		}
	}
	args := []string{"--jetstream", "--store_dir", dir, "--port", strconv.Itoa(port), "--server_name", "mproc"}
	if host != "" {
		args = append(args, "--addr", host)
	}
	log, err := newLogFile()
	if err != nil {
		return nil, fmt.Errorf("natsproc: a file for the server's log: %w", err)
	}
	s := &Server{log: log, done: make(chan struct{}), stopGrace: stopGrace}
	if o.stopGrace > 0 {
		s.stopGrace = o.stopGrace
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = log.f, log.f
	s.cmd.SysProcAttr = sysProcAttr()
	onStartThread(func() { err = s.cmd.Start() })
	if err != nil {
		log.Close()
		return nil, fmt.Errorf("natsproc: starting %s: %w", bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	if err := s.awaitReady(ctx); err != nil {
		<-s.done
		log.Close()
		return nil, err
	}
	return s, nil
}

// awaitReady watches the server's log for its ready line; on failure it
// stops the server and says why, with the end of its log.
func (s *Server) awaitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyBound)
	defer cancel()
	tick := time.NewTicker(readyPoll)
	defer tick.Stop()
	for {
		for _, line := range s.log.scan() {
			if _, a, ok := strings.Cut(line, listeningLine); ok {
				s.addr = strings.TrimSpace(a)
			}
			if !strings.HasSuffix(line, readyLine) {
				continue
			}
			if s.addr == "" {
				s.stop()
				return fmt.Errorf("natsproc: nats-server said it is ready but not where it listens; its log ends:\n%s", s.log.last(errLines))
			}
			return nil
		}
		select {
		case <-tick.C:
		case <-s.done:
			return fmt.Errorf("natsproc: nats-server (%s) ended before it took connections: %v; its log ends:\n%s",
				s.cmd.Path, s.waitErr, s.log.last(errLines))
		case <-ctx.Done():
			s.stop()
			return fmt.Errorf("natsproc: waiting for nats-server to take connections: %w; its log ends:\n%s", ctx.Err(), s.log.last(errLines))
		}
	}
}

// URL is the address clients connect to: nats://host:port.
func (s *Server) URL() string { return "nats://" + s.addr }

// Pid is the server process's id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Done is closed once the server process has ended and been reaped.
func (s *Server) Done() <-chan struct{} { return s.done }

// Log is the end of what the server has logged (its last 64 KiB), until
// Stop. The log is in an unlinked temp file, which Stop closes.
func (s *Server) Log() string { return s.log.String() }

// Stop stops the server with SIGTERM, kills it if it has not ended within
// 10 s, and waits until it is reaped. It returns nil if the server ended
// cleanly, and an error with the end of its log if it ended before Stop
// by itself, failed, or had to be killed. Stop may be called more than
// once, and from several goroutines.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.stopErr = s.stop()
		s.log.Close()
	})
	return s.stopErr
}

func (s *Server) stop() error {
	select {
	case <-s.done:
		return s.ended("ended before Stop", s.waitErr)
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM) // if it has just ended, done says so below
	t := time.NewTimer(s.stopGrace)
	defer t.Stop()
	select {
	case <-s.done:
		var ee *exec.ExitError
		if s.waitErr == nil || errors.As(s.waitErr, &ee) && signalled(ee, syscall.SIGTERM) {
			return nil // a clean exit, or our signal came before its handler was in place
		}
		return s.ended("failed as it stopped", s.waitErr)
	case <-t.C:
		s.cmd.Process.Kill()
		<-s.done
		return s.ended(fmt.Sprintf("did not end within %v of SIGTERM", s.stopGrace), errors.New("killed"))
	}
}

// ended describes how the server ended, with the end of its log.
func (s *Server) ended(what string, err error) error {
	if err == nil {
		err = errors.New("exit status 0")
	}
	return fmt.Errorf("natsproc: nats-server (pid %d) %s: %w; its log ends:\n%s", s.Pid(), what, err, s.log.last(errLines))
}

// signalled says whether the process ended by signal sig.
func signalled(ee *exec.ExitError, sig os.Signal) bool {
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}
