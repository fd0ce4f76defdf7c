package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"time"

	"mproc/server"
)

// serveCmd is `mproc serve`: the seeds' TCP server, on any of the models.
type serveCmd struct {
	Model     string
	Addr      string
	Workers   int
	Handler   string
	Grace     time.Duration
	ReusePort bool
	Quiet     bool
}

func (c *serveCmd) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Model, "model", "goroutine", "how clients are served: goroutine, goroutine-pool, process, process-pool or prefork")
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "listen on `HOST:PORT` (port 0: any free port)")
	fs.IntVar(&c.Workers, "workers", 0, "goroutines or processes of the pooled models (default: goroutine-pool 50, process-pool 4, prefork the CPUs)")
	fs.StringVar(&c.Handler, "handler", "echo", "echo (each message sent back upper-cased) or chat (each line goes to the other clients)")
	fs.DurationVar(&c.Grace, "grace", 5*time.Second, "after Ctrl-C or SIGTERM, how long connections may go on before they are cut")
	fs.BoolVar(&c.ReusePort, "reuseport", false, "prefork: each worker binds its own listener (SO_REUSEPORT)")
	fs.BoolVar(&c.Quiet, "quiet", false, "do not print a line per connection (for load tests)")
}

// defaultWorkers are the seeds' sizes: ThreadPoolExecutor(50), Pool(4).
func defaultWorkers(model string) int {
	switch model {
	case "goroutine-pool":
		return 50
	case "process-pool":
		return 4
	}
	return runtime.NumCPU()
}

// Run serves until Ctrl-C or SIGTERM, then shuts down gracefully.
func (c *serveCmd) Run(a *app) error {
	n := c.Workers
	if n == 0 {
		n = defaultWorkers(c.Model)
	}
	m, err := server.ParseModel(c.Model, n)
	if err != nil {
		return err
	}
	var h *server.Handler
	switch c.Handler {
	case "echo":
		h = server.Echo
	case "chat":
		h = server.Chat
	default:
		return fmt.Errorf("serve: unknown handler %q (echo, chat)", c.Handler)
	}
	ln, opts, err := c.listen(a.ctx, m)
	if err != nil {
		return err
	}
	out := &lockedWriter{w: a.stdout}
	opts = append(opts, server.WithGrace(c.Grace), server.WithEvents(func(e server.Event) { c.print(out, e) }))
	fmt.Fprintf(out, "mproc serve: listening on %s (model %s, handler %s); Ctrl-C stops\n", ln.Addr(), m, h.Name())
	err = server.Serve(a.ctx, ln, h, m, opts...)
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(out, "mproc serve: stopped")
		return nil
	}
	return err
}

func (c *serveCmd) listen(ctx context.Context, m server.Model) (net.Listener, []server.Option, error) {
	if c.ReusePort && c.Model == "prefork" {
		ln, err := server.ListenReusePort(ctx, "tcp", c.Addr)
		return ln, []server.Option{server.WithReusePort()}, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", c.Addr)
	return ln, nil, err
}

// print shows an event as the seeds' servers print os.getpid() in each
// child: which process serves which client.
func (c *serveCmd) print(w io.Writer, e server.Event) {
	if c.Quiet && e.Conn != 0 && e.Err == nil {
		return
	}
	switch e.Kind {
	case server.EventAccepted:
		fmt.Fprintf(w, "conn %d from %s: accepted\n", e.Conn, e.Remote)
	case server.EventServed:
		fmt.Fprintf(w, "conn %d from %s: served by pid %d  (进程pid: %d)\n", e.Conn, e.Remote, e.Pid, e.Pid)
	case server.EventClosed:
		fmt.Fprintf(w, "conn %d from %s: closed (pid %d)%s\n", e.Conn, e.Remote, e.Pid, errSuffix(e.Err))
	case server.EventWorkerStarted:
		fmt.Fprintf(w, "worker pid %d: started\n", e.Pid)
	case server.EventWorkerExited:
		fmt.Fprintf(w, "worker pid %d: exited%s\n", e.Pid, errSuffix(e.Err))
	}
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}

// lockedWriter serializes writes from the server's goroutines and this one.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
