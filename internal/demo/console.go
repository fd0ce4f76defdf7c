package demo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"mproc"
)

// console is the terminal a demo and its children share, as a CPython
// program's children share its stdout: a named pipe that the demo and every
// child write whole lines to, and one goroutine copies to the demo's writer
// in the order they arrive. Children get its path in their argument and
// write with say. (Children's own stdout also goes where the parent's goes,
// but a demo writes to an io.Writer, which a child cannot reach.)
//
// Lines up to PIPE_BUF (4096 bytes) are written atomically, so lines of
// different processes never mix.
type console struct {
	path string
	dir  string
	r    *os.File // read end, drained by copyLines
	wr   *os.File // this process's write end
	done chan struct{}
	err  error // the copy's error, set before done closes

	mu      sync.Mutex
	lines   []string
	changed chan struct{} // closed and replaced whenever a line arrives
}

func (c *console) copyLines(w io.Writer) {
	defer close(c.done)
	br := bufio.NewReader(c.r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			if _, werr := io.WriteString(w, line); werr != nil && c.err == nil {
				c.err = werr
			}
			c.mu.Lock()
			c.lines = append(c.lines, strings.TrimSuffix(line, "\n"))
			close(c.changed)
			c.changed = make(chan struct{})
			c.mu.Unlock()
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrClosed) && c.err == nil {
				c.err = err
			}
			return
		}
	}
}

// Printf writes one line (a newline is added when missing) from this process.
func (c *console) Printf(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	c.wr.WriteString(s)
}

// waitLine waits until some line so far contains substr, and returns it.
func (c *console) waitLine(ctx context.Context, substr string, timeout time.Duration) (string, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		c.mu.Lock()
		for _, l := range c.lines {
			if strings.Contains(l, substr) {
				c.mu.Unlock()
				return l, nil
			}
		}
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-changed:
		case <-c.done:
			return "", fmt.Errorf("console closed before a line containing %q", substr)
		case <-ctx.Done():
			return "", ctx.Err()
		case <-t.C:
			return "", fmt.Errorf("no line containing %q within %v", substr, timeout)
		}
	}
}

// index returns the position of the first line so far containing substr, or -1.
func (c *console) index(substr string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, l := range c.lines {
		if strings.Contains(l, substr) {
			return i
		}
	}
	return -1
}

// Close closes this process's end and waits until every child has closed
// its end too and all lines are copied. A process that still holds the
// pipe after a few seconds is not waited for.
func (c *console) Close() error {
	c.wr.Close()
	var err error
	select {
	case <-c.done:
	case <-time.After(3 * time.Second):
		err = errors.New("demo console: some process still holds the console open")
	}
	c.r.Close() // unblocks copyLines if it is still reading
	<-c.done
	os.RemoveAll(c.dir)
	if err == nil {
		err = c.err
	}
	return err
}

// gate holds children back until the demo opens it, so that what the demo
// shows about a running child (its state, is_alive) is not a race: the demo
// holds an exclusive flock on a file, and children wait for a shared one.
type gate struct {
	f    *os.File
	path string
}

// Open lets every child waiting at the gate, and every later one, through.
func (g *gate) Open() { g.f.Close() } // closing the file releases the lock

// opens the pipe per line, so it holds it only while writing.
func say(path, format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		os.Stdout.WriteString(s) // no console: the terminal will do
		return
	}
	f.WriteString(s)
	f.Close()
}

// procStat reads the state letter and parent pid of pid from /proc/PID/stat;
// ok is false when there is no such process (it was reaped).
func procStat(pid int) (state byte, ppid int, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces
	if i < 0 || i+2 >= len(s) {
		return 0, 0, false
	}
	f := strings.Fields(s[i+2:])
	if len(f) < 2 {
		return 0, 0, false
	}
	if _, err := fmt.Sscan(f[1], &ppid); err != nil {
		return 0, 0, false
	}
	return f[0][0], ppid, true
}

// waitGone waits until pid no longer exists at all (exited and reaped), up
// to timeout, checking /proc every millisecond: being reaped leaves no
// event another process could wait on.
func waitGone(ctx context.Context, pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		if _, _, ok := procStat(pid); !ok {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return false
		}
	}
}

// stateName spells a /proc state letter.
func stateName(st byte) string {
	switch st {
	case 'R':
		return "R (running)"
	case 'S':
		return "S (sleeping)"
	case 'D':
		return "D (disk sleep)"
	case 'Z':
		return "Z (zombie)"
	case 'T', 't':
		return string(st) + " (stopped)"
	case 'X':
		return "X (dead)"
	}
	return string(st)
}

// cleanup kills and joins whatever of ps is still running: a demo that
// fails half-way leaves nothing behind.
func cleanup(ps ...*mproc.Process) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	for _, p := range ps {
		if p == nil {
			continue
		}
		p.Kill()
		p.Join(ctx)
	}
}

// stage gives a demo body what every demo needs: a deadline, a console on
// the demo's writer, and a list of the processes it starts, all of which
// are ended and joined when it returns.
func stage(body func(ctx context.Context, con *console, started *[]*mproc.Process) error) func(context.Context, io.Writer) error {
	return func(ctx context.Context, w io.Writer) (err error) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		con, err := openConsole(w)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := con.Close(); err == nil {
				err = cerr
			}
		}()
		var started []*mproc.Process
		defer func() { cleanup(started...) }()
		return body(ctx, con, &started)
	}
}
