package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"mproc"
)

// echoScript is CPython's echo server, found beside python_ref.py.
const echoScript = "python_echo_server.py"

// geventPython is the interpreter with Debian's python3-gevent.
const geventPython = "/usr/bin/python3"

// pythonStopGrace is how long a CPython server may take to exit after
// SIGTERM before its process group is killed.
const pythonStopGrace = 3 * time.Second

// pythonReadyTimeout bounds how long a CPython server may take to print
// "ready".
const pythonReadyTimeout = 15 * time.Second

var geventCheck struct {
	once sync.Once
	err  error
}

// pythonFor returns the interpreter and script that run CPython's model,
// or an error wrapping errSkipped when this run has none.
func pythonFor(ctx context.Context, model string) (interp, script string, err error) {
	ref, ok := pythonFrom(ctx)
	if !ok {
		return "", "", fmt.Errorf("%w: no CPython reference to compare with (--python PATH/python_ref.py, with %s beside it)", errSkipped, echoScript)
	}
	script = filepath.Join(filepath.Dir(ref.Script), echoScript)
	if _, err := os.Stat(script); err != nil {
		return "", "", fmt.Errorf("%w: %v", errSkipped, err)
	}
	interp = ref.Interp
	if model == "gevent" {
		interp = geventPython
		geventCheck.once.Do(func() {
			out, err := exec.CommandContext(ctx, geventPython, "-c", "import gevent").CombinedOutput()
			if err != nil {
				geventCheck.err = fmt.Errorf("%w: gevent needs %s with Debian's python3-gevent: %v %s", errSkipped, geventPython, err, strings.TrimSpace(lastLine(string(out))))
			}
		})
		if geventCheck.err != nil {
			return "", "", geventCheck.err
		}
	}
	if _, err := exec.LookPath(interp); err != nil {
		return "", "", fmt.Errorf("%w: %v", errSkipped, err)
	}
	return interp, script, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// startPython runs python_echo_server.py MODEL PORT in its own process
// group and waits for its "ready".
func startPython(ctx context.Context, model string) (*runningServer, error) {
	interp, script, err := pythonFor(ctx, model)
	if err != nil {
		return nil, err
	}
	// Its helpers (pool workers, a process per connection) are adopted
	// and reaped here if they outlive the server.
	mproc.SetSubreaper()
	var errs []error
	for range 3 { // the free port may be taken before Python binds it
		rs, err := startPythonOnce(ctx, interp, script, model)
		if err == nil {
			return rs, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

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

// freePort returns a loopback port nothing listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}
