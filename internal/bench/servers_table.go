package bench

import (
	"context"
	"errors"
	"mproc/server"
	"net"
	"time"
)

// echoServer is a server under test in the servers groups: the seeds'
// upper-casing echo server in one concurrency model.
type echoServer struct {
	name string // in metric names: py_thread, go_bare, mproc_goroutine
	// python is CPython's model (python_echo_server.py's MODEL) for
	// CPython's servers, "" for Go's.
	python string
	// versus names the CPython server (an entry's name) a Go server's
	// ratios are against: its thread or process counterpart.
	versus string
	limit  bool // the bare Go server, the limit: mproc's servers are shown as a fraction of it
	// maxIdle caps the idle connections held open on it (0: no cap):
	// a process per connection can't hold 10,000 on this machine.
	maxIdle int
	start   func(ctx context.Context) (*runningServer, error)
}

// runningServer is a started server under test.
type runningServer struct {
	addr string // host:port
	pid  int    // its process; its descendants count with it
	// stop ends it and its processes, and reaps them.
	stop func() error
}

// errSkipped marks a server this machine can't run (no CPython to compare
// with, no gevent): its rows are left out, with a note.
var errSkipped = errors.New("skipped")

// echoServers are the servers under test, in the order each round starts
// them. Each CPython model runs as python_echo_server.py in a subprocess;
// each Go server in a child process of its own (so that its memory can be
// measured apart from the load generator's).
//
// mproc's servers plug in as Go servers, one line each, e.g.
//
//	goServer("mproc_goroutine", "py_thread", 0, func(ctx context.Context, ln net.Listener) error {
//		return server.Serve(ctx, ln, server.Echo, server.Goroutine())
//	}),
//
// with "py_process" as the counterpart of the process models and a maxIdle
// (say 200) for a process per connection.
var echoServers = []echoServer{
	pyServer("thread", 0),
	pyServer("process", perConnIdleCap),
	// A pickled socket waiting for a pool worker holds two descriptors in
	// the parent: 10,000 would pass the descriptor limit.
	pyServer("pool", 2000),
	pyServer("threadpool", 0),
	pyServer("gevent", 0),
	asLimit(goServer("go_bare", "py_thread", 0, serveBare)),
	mprocServer("goroutine", "py_thread", 0, server.Goroutine()),
	mprocServer("goroutine_pool", "py_threadpool", 0, server.GoroutinePool(50)),
	mprocServer("process", "py_process", perConnIdleCap, server.Process()),
	mprocServer("process_pool", "py_pool", 2000, server.ProcessPool(4)),
	mprocServer("prefork", "py_process", 0, server.Prefork(2)),
}

// mprocServer is a table entry for one of mproc's server models serving
// the seeds' echo; the pools are sized as CPython's counterparts are.
func mprocServer(model, versus string, maxIdle int, m server.Model) echoServer {
	return goServer("mproc_"+model, versus, maxIdle, func(ctx context.Context, ln net.Listener) error {
		// The load has ended when the bench stops a server: what is
		// still in flight is clients the run left behind, not work.
		err := server.Serve(ctx, ln, server.Echo, m, server.WithGrace(300*time.Millisecond))
		if ctx.Err() != nil {
			return nil // stopped, as the bench meant
		}
		return err
	})
}

// perConnIdleCap is the idle connections held on a server that starts a
// process per connection.
const perConnIdleCap = 200

// childServers are the Go servers' serve functions, by entry name; a child
// process looks its server up here (goServer fills it as echoServers is
// initialized, in every process).
var childServers = map[string]func(ctx context.Context, ln net.Listener) error{}

func asLimit(s echoServer) echoServer {
	s.limit = true
	return s
}

// goServer is a table entry for a Go server that runs serve in a child
// process.
func goServer(name, versus string, maxIdle int, serve func(ctx context.Context, ln net.Listener) error) echoServer {
	childServers[name] = serve
	return echoServer{name: name, versus: versus, maxIdle: maxIdle, start: childServer(name)}
}

func pyServer(model string, maxIdle int) echoServer {
	return echoServer{name: "py_" + model, python: model, maxIdle: maxIdle, start: func(ctx context.Context) (*runningServer, error) {
		return startPython(ctx, model)
	}}
}
