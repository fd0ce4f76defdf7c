package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"mproc"
	"mproc/internal/spawn"
)

// PythonLine is one result line of python_ref.py: its text as printed, and
// what it says.
type PythonLine struct {
	Text   string
	Result Result
}

// DefaultPython is the interpreter that runs python_ref.py.
const DefaultPython = "python3"

// RunPython runs `interp script group...` (the environment, and so
// BENCH_SCALE, is this process's) and returns the result lines it printed.
// Its standard error, and any output line that is not a result, go to
// stderr, with a note per result as it comes. When the interpreter or the
// script fails, RunPython returns the lines read so far with the error.
func RunPython(ctx context.Context, interp, script string, groups []string, stderr io.Writer) ([]PythonLine, error) {
	if interp == "" {
		interp = DefaultPython
	}
	path, err := exec.LookPath(interp)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(script); err != nil {
		return nil, fmt.Errorf("no script: %w", err)
	} else if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a script", script)
	}
	cmdline := strings.Join(append([]string{interp, script}, groups...), " ")
	cmd := exec.CommandContext(ctx, path, append([]string{script}, groups...)...)
	if f, ok := stderr.(*os.File); ok {
		cmd.Stderr = f // straight through
	} else {
		stderr = &lockedWriter{w: stderr} // exec copies to it from another goroutine
		cmd.Stderr = stderr
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// multiprocessing's helpers (the forkserver, the resource tracker)
	// outlive the interpreter for a moment; as a subreaper this process
	// adopts and reaps them instead of leaving them to init.
	subreaper := mproc.SetSubreaper() == nil
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", cmdline, err)
	}
	if subreaper {
		defer func() {
			if n := awaitOrphans(orphanWait); n > 0 {
				fmt.Fprintf(stderr, "bench: %d process(es) left by %s still running after %v\n", n, interp, orphanWait)
			}
		}()
	}
	var lines []PythonLine
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		r, perr := ParseLine(text)
		if perr != nil {
			fmt.Fprintf(stderr, "bench: python: ignoring output line %q: %v\n", text, perr)
			continue
		}
		fmt.Fprintf(stderr, "bench: python: %s = %s %s (n=%d)\n", r.Name, FormatValue(r.Value), r.Unit, r.N)
		lines = append(lines, PythonLine{Text: text, Result: r})
	}
	scanErr := sc.Err()
	if scanErr != nil {
		io.Copy(io.Discard, out) // let the interpreter finish writing
	}
	err = cmd.Wait()
	switch {
	case ctx.Err() != nil:
		return lines, fmt.Errorf("%s: %w", cmdline, ctx.Err())
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return lines, fmt.Errorf("%s failed (%v); its error output is above", cmdline, ee.ProcessState)
		}
		return lines, fmt.Errorf("%s: %w", cmdline, err)
	case scanErr != nil:
		return lines, fmt.Errorf("%s: reading its output: %w", cmdline, scanErr)
	}
	return lines, nil
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// orphanWait bounds how long RunPython waits for the interpreter's orphaned
// helpers to end and be reaped.
const orphanWait = 5 * time.Second

// awaitOrphans waits until this process has no children but its active
// mproc ones (the adopted orphans have ended and been reaped), or until
// timeout, and returns how many others are left.
func awaitOrphans(timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		active := map[int]bool{}
		for _, p := range mproc.ActiveChildren() {
			active[p.Pid()] = true
		}
		n := 0
		for _, pid := range spawn.Children() {
			if !active[pid] {
				n++
			}
		}
		if n == 0 || time.Now().After(deadline) {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}
