//go:build unix

package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func startPythonOnce(ctx context.Context, interp, script, model string) (*runningServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(interp, script, model, strconv.Itoa(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	tail := &tailBuffer{max: 4 << 10}
	cmd.Stderr = tail // tracebacks of clients that hung up, mostly
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		ok := false
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == "ready" && !ok {
				ok = true
				ready <- true
			}
		}
		if !ok {
			ready <- false
		}
		exited <- cmd.Wait()
	}()
	pid := cmd.Process.Pid
	kill := func() { syscall.Kill(-pid, syscall.SIGKILL) }
	t := time.NewTimer(pythonReadyTimeout)
	defer t.Stop()
	select {
	case ok := <-ready:
		if !ok {
			err := <-exited
			kill()
			return nil, fmt.Errorf("%s %s %s %d exited before ready (%v): %s", interp, script, model, port, err, tail)
		}
	case <-t.C:
		kill()
		<-exited
		return nil, fmt.Errorf("%s %s: not ready after %v: %s", script, model, pythonReadyTimeout, tail)
	case <-ctx.Done():
		kill()
		<-exited
		return nil, ctx.Err()
	}
	stop := func() error {
		// SIGTERM lets multiprocessing end its daemonic children and the
		// pool its workers; whatever is left of the group then goes.
		syscall.Kill(pid, syscall.SIGTERM)
		t := time.NewTimer(pythonStopGrace)
		defer t.Stop()
		var err error
		select {
		case err = <-exited:
		case <-t.C:
			// A process per connection joins its children one by one at
			// exit, a thousand of them after servers_1000: no fault of
			// the measurement, which is over.
			kill()
			<-exited
			logf(ctx, "CPython's %s server had not ended %v after SIGTERM: killed its process group", model, pythonStopGrace)
		}
		kill()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 0 {
			err = nil
		}
		return err
	}
	return &runningServer{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), pid: pid, stop: stop}, nil
}
