package server

import (
	"context"
	"net"

	"mproc"
)

// Handler serves connections: fn, registered under a name so that a child
// process, which runs this same binary, finds it. Register handlers at
// package level (var h = server.Register(...)), as mproc.Register's
// functions, which they use underneath.
type Handler struct {
	name   string
	fn     func(ctx context.Context, c net.Conn) error
	conn   *mproc.Func[connArg, mproc.None]   // a pool task serving one connection
	proc   *mproc.Func[procArg, mproc.None]   // a Process child, serving connections one after another
	worker *mproc.Func[workerArg, mproc.None] // a prefork worker
}

// Register makes fn a Handler under name. fn serves one connection: it
// reads and writes c until it is done, and returns; the server then closes
// c. ctx ends when the server cuts the connection at the end of a
// shutdown's grace period, which also closes c, so a handler blocked in a
// Read returns then. A handler that never returns holds Serve up: in a
// goroutine model nothing can stop it, in a process model its process is
// killed. A second Register of a name panics, as mproc.Register does.
func Register(name string, fn func(ctx context.Context, c net.Conn) error) *Handler {
	h := &Handler{name: name, fn: fn}
	h.conn = mproc.Register[connArg, mproc.None]("mproc/server.conn:"+name, h.serveChild)
	h.proc = mproc.Register[procArg, mproc.None]("mproc/server.proc:"+name, h.serveProc)
	h.worker = mproc.Register[workerArg, mproc.None]("mproc/server.prefork:"+name, h.runWorker)
	return h
}

// Name is the name the handler was registered under.
func (h *Handler) Name() string { return h.name }
