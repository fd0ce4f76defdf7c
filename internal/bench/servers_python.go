package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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
