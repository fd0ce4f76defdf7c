package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"mproc"
)

// A process model's figures are mostly its children's starts, and a
// child's start is mostly the start of its program: the runtime, then
// every package the program links. The mproc command links everything it
// does (the tour, the bench, the cluster client, the dashboard), so the
// servers groups run the Go servers in internal/bench/echoserve, built
// as a user's server would be: mproc, mproc/server, net, CGO_ENABLED=0.

// echoProgramKey is the ctx key under which a servers group passes the
// echoserve binary it built to childServer.
type echoProgramKey struct{}

// withEchoProgram builds internal/bench/echoserve and returns ctx carrying
// its path, and a func that removes it. Without the go tool or the source
// tree it says so and returns ctx as it was: the Go servers then run in
// this binary's children.
func withEchoProgram(ctx context.Context, group string) (context.Context, func()) {
	bin, cleanup, err := buildEchoProgram(ctx)
	if err != nil {
		logf(ctx, "%s: the Go servers run in this binary's children, each start paying for all it links (%v)", group, err)
		return ctx, func() {}
	}
	return context.WithValue(ctx, echoProgramKey{}, bin), cleanup
}

func buildEchoProgram(ctx context.Context) (string, func(), error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", nil, fmt.Errorf("no go tool on PATH to build internal/bench/echoserve: %w", err)
	}
	root, err := moduleRoot(ctx, goTool)
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "mproc-echoserve-")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "echoserve")
	if err := goBuild(ctx, goTool, root, buildTags, "0", bin, "./internal/bench/echoserve"); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

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
