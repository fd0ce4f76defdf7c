//go:build unix

package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"mproc"
)

// echoReadyTimeout bounds how long the echoserve program may take to say
// its address and answer.
const echoReadyTimeout = 10 * time.Second

// startEchoProgram runs the Go server name in the echoserve program at
// bin. Closing its stdin is the word to stop.
func startEchoProgram(ctx context.Context, bin, name string) (*runningServer, error) {
	cmd := exec.Command(bin, name)
	// Its own group, so that whatever a crash leaves of it can be ended
	// at once; its children are adopted and reaped here if orphaned.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	mproc.SetSubreaper()
	tail := &tailBuffer{max: 4 << 10}
	cmd.Stderr = tail
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	pid := cmd.Process.Pid
	exited := make(chan error, 1)
	addrCh := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addrCh <- strings.TrimSpace(line)
		io.Copy(io.Discard, out)
		exited <- cmd.Wait()
	}()
	abort := func(err error) (*runningServer, error) {
		stdin.Close()
		syscall.Kill(-pid, syscall.SIGKILL)
		<-exited
		return nil, fmt.Errorf("%s: %w: %s", name, err, tail)
	}
	rctx, cancel := context.WithTimeout(ctx, echoReadyTimeout)
	defer cancel()
	var addr string
	select {
	case addr = <-addrCh:
	case <-rctx.Done():
		return abort(fmt.Errorf("did not say its address: %w", rctx.Err()))
	}
	if addr == "" {
		return abort(errors.New("exited before saying its address"))
	}
	if err := awaitEcho(rctx, addr); err != nil {
		return abort(fmt.Errorf("does not answer: %w", err))
	}
	stop := func() error {
		stdin.Close()
		t := time.NewTimer(childStopTimeout)
		defer t.Stop()
		select {
		case err := <-exited:
			if err != nil {
				return fmt.Errorf("%s: %w: %s", name, err, tail)
			}
			return nil
		case <-t.C:
			syscall.Kill(-pid, syscall.SIGKILL)
			<-exited
			return fmt.Errorf("%s did not stop within %v: killed", name, childStopTimeout)
		}
	}
	return &runningServer{addr: addr, pid: pid, stop: stop}, nil
}
