package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mproc/internal/spawn"
	"mproc/server"
)

// pidHandler answers each line with "pid N: LINE": which process serves
// the connection.
var pidHandler = server.Register("test-pid", func(ctx context.Context, c net.Conn) error {
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		if _, err := io.WriteString(c, "pid "+strconv.Itoa(os.Getpid())+": "+sc.Text()+"\n"); err != nil {
			return err
		}
	}
	return sc.Err()
})

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// recorder collects a server's events.
type recorder struct {
	mu     sync.Mutex
	events []server.Event
	change chan struct{}
}

func newRecorder() *recorder { return &recorder{change: make(chan struct{})} }

func (r *recorder) observe(e server.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	close(r.change)
	r.change = make(chan struct{})
}

func (r *recorder) all() []server.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// wait waits for an event that pred accepts and returns it.
func (r *recorder) wait(t *testing.T, ctx context.Context, what string, pred func(server.Event) bool) server.Event {
	t.Helper()
	for {
		r.mu.Lock()
		for _, e := range r.events {
			if pred(e) {
				r.mu.Unlock()
				return e
			}
		}
		ch := r.change
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s; events: %v", what, r.all())
		}
	}
}

// countLocked counts the events pred accepts, for a wait's predicate
// (which runs with r.mu held).
func (r *recorder) countLocked(pred func(server.Event) bool) int {
	n := 0
	for _, e := range r.events {
		if pred(e) {
			n++
		}
	}
	return n
}

// count counts the events pred accepts.
func (r *recorder) count(pred func(server.Event) bool) int {
	n := 0
	for _, e := range r.all() {
		if pred(e) {
			n++
		}
	}
	return n
}

// pids lists the pids that served connections.
func (r *recorder) pids() []int {
	var out []int
	for _, e := range r.all() {
		if e.Kind == server.EventServed && !slices.Contains(out, e.Pid) {
			out = append(out, e.Pid)
		}
	}
	return out
}

func kind(k server.EventKind) func(server.Event) bool {
	return func(e server.Event) bool { return e.Kind == k }
}

func connEvent(k server.EventKind, local string) func(server.Event) bool {
	return func(e server.Event) bool { return e.Kind == k && e.Remote == local }
}

// running is a server serving in the background.
type running struct {
	srv  *server.Server
	addr string
	rec  *recorder
	done chan error
}

// start serves h on m on 127.0.0.1:0. At cleanup it stops the server if
// the test has not, and checks that no process the server used is left.
func start(t *testing.T, h *server.Handler, m server.Model, opts ...server.Option) *running {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return startOn(t, ln, h, m, opts...)
}

func startOn(t *testing.T, ln net.Listener, h *server.Handler, m server.Model, opts ...server.Option) *running {
	t.Helper()
	rec := newRecorder()
	opts = append([]server.Option{server.WithEvents(rec.observe)}, opts...)
	r := &running{srv: server.New(h, m, opts...), addr: ln.Addr().String(), rec: rec, done: make(chan error, 1)}
	go func() { r.done <- r.srv.Serve(context.Background(), ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		r.srv.Shutdown(ctx)
		select {
		case <-r.done:
		case <-ctx.Done():
			t.Errorf("Serve did not return")
			return
		}
		checkGone(t, rec.pids())
	})
	return r
}

// stop shuts the server down with the grace of ctx and returns what Serve
// returned.
func (r *running) stop(t *testing.T, ctx context.Context) (shutdownErr, serveErr error) {
	t.Helper()
	shutdownErr = r.srv.Shutdown(ctx)
	select {
	case serveErr = <-r.done:
		r.done <- serveErr // for the cleanup
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return after Shutdown")
	}
	return shutdownErr, serveErr
}

// checkGone checks that none of pids (but this process) is still a
// process, a zombie included: Serve reaps everything it started.
func checkGone(t *testing.T, pids []int) {
	t.Helper()
	for _, pid := range pids {
		if pid == os.Getpid() {
			continue
		}
		if st, ppid, ok := spawn.ProcStat(pid); ok && ppid == os.Getpid() {
			t.Errorf("pid %d, which served a connection, is still a child of this process (state %c) after Serve returned", pid, st)
		}
	}
}

// client is a test's connection to a server.
type client struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, ctx context.Context, addr string) *client {
	t.Helper()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	return &client{t: t, c: c, r: bufio.NewReader(c)}
}

func (c *client) local() string { return c.c.LocalAddr().String() }

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.c, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *client) line() string {
	c.t.Helper()
	s, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v (got %q)", err, s)
	}
	return strings.TrimSuffix(s, "\n")
}

// ask sends a line and returns the answer's line.
func (c *client) ask(s string) string {
	c.t.Helper()
	c.send(s + "\n")
	return c.line()
}

// pidOf asks the pid handler which process serves c.
func (c *client) pidOf() int {
	c.t.Helper()
	ans := c.ask("who")
	f := strings.Fields(ans)
	if len(f) < 2 {
		c.t.Fatalf("answer %q", ans)
	}
	pid, err := strconv.Atoi(strings.TrimSuffix(f[1], ":"))
	if err != nil {
		c.t.Fatalf("answer %q", ans)
	}
	return pid
}

// silent checks that nothing arrives on c for d: a deadline, not a sleep,
// bounds the read.
func (c *client) silent(d time.Duration) bool {
	c.t.Helper()
	c.c.SetReadDeadline(time.Now().Add(d))
	defer c.c.SetReadDeadline(time.Time{})
	_, err := c.r.Peek(1)
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// ended reads what is left and reports whether the server closed the
// connection (EOF or a reset) before ctx's deadline.
func (c *client) ended() bool {
	c.t.Helper()
	_, err := io.Copy(io.Discard, c.r)
	var ne net.Error
	return err == nil || !(errors.As(err, &ne) && ne.Timeout())
}

var allModels = []server.Model{
	server.Goroutine(), server.GoroutinePool(3), server.Process(), server.ProcessPool(3), server.Prefork(2),
}

func fmtInt(n int) string { return strconv.Itoa(n) }

func itoa(n int) string { return fmtInt(n) }
