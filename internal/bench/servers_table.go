package bench

import (
	"context"
	"errors"

	"mproc/internal/echoserve"
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
	// bound names a second limit (an entry's name) a server is also shown
	// as a fraction of: the bare server serving as many clients at a time
	// as a pool of its workers does.
	bound string
	// throughputOnly marks a bound that says nothing about idle memory
	// (it holds 4 connections): servers_idle leaves it out.
	throughputOnly bool
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
// each Go server (internal/echoserve, by name) in a process of its own, so
// that its memory can be measured apart from the load generator's: the
// small program internal/bench/echoserve where the go tool can build it,
// else a child of this binary (see childServer).
var echoServers = []echoServer{
	pyServer("thread", 0),
	pyServer("process", perConnIdleCap),
	// A pickled socket waiting for a pool worker holds two descriptors in
	// the parent: 10,000 would pass the descriptor limit.
	pyServer("pool", 2000),
	pyServer("threadpool", 0),
	pyServer("gevent", 0),
	asLimit(goServer("go_bare", "py_thread", 0)),
	// The bare server serving 4 clients at a time: the bound of a pool of
	// 4 workers, as the process pool is.
	throughputOnly(goServer("go_bare4", "py_pool", 2000)),
	goServer("mproc_goroutine", "py_thread", 0),
	goServer("mproc_goroutine_pool", "py_threadpool", 0),
	goServer("mproc_process", "py_process", perConnIdleCap),
	boundBy(goServer("mproc_process_pool", "py_pool", 2000), "go_bare4"),
	goServer("mproc_prefork", "py_process", 0),
}

// perConnIdleCap is the idle connections held on a server that starts a
// process per connection.
const perConnIdleCap = 200

func throughputOnly(s echoServer) echoServer {
	s.throughputOnly = true
	return s
}

// idleServers are the servers servers_idle measures.
func idleServers() []echoServer {
	var out []echoServer
	for _, s := range echoServers {
		if !s.throughputOnly {
			out = append(out, s)
		}
	}
	return out
}

func boundBy(s echoServer, bound string) echoServer {
	s.bound = bound
	return s
}

func asLimit(s echoServer) echoServer {
	s.limit = true
	return s
}

// goServer is a table entry for the Go server internal/echoserve calls
// name, against the CPython server versus.
func goServer(name, versus string, maxIdle int) echoServer {
	if _, ok := echoserve.Lookup(name); !ok {
		panic("bench: internal/echoserve has no server " + name)
	}
	return echoServer{name: name, versus: versus, maxIdle: maxIdle, start: childServer(name)}
}

func pyServer(model string, maxIdle int) echoServer {
	return echoServer{name: "py_" + model, python: model, maxIdle: maxIdle, start: func(ctx context.Context) (*runningServer, error) {
		return startPython(ctx, model)
	}}
}
