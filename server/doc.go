// Package server runs the concurrent TCP servers of the seeds: one
// Handler, served on any of five models, from a goroutine per connection
// to a pool of worker processes.
//
//	model               the seeds' Python                                   what waits
//	Goroutine()         Thread per connection; gevent.spawn per connection   nothing
//	GoroutinePool(n)    ThreadPoolExecutor(n).submit(talk, conn)             client n+1, in the backlog
//	Process()           Process(target=talk, args=(conn,)).start()           nothing
//	ProcessPool(n)      Pool(n).apply_async(talk, args=(conn,))              client n+1, accepted
//	Prefork(n)          (n processes accepting on one socket)                nothing
//
// A handler is registered at package level, as mproc's functions are, so
// that a child process, which runs this same binary, has it:
//
//	var talk = server.Register("talk", func(ctx context.Context, c net.Conn) error { ... })
//
//	func main() {
//		mproc.Main()
//		ln, _ := net.Listen("tcp", "127.0.0.1:8080")
//		server.Serve(ctx, ln, talk, server.ProcessPool(4))
//	}
//
// # How a socket reaches a child
//
// The process models pass each accepted socket to the process that serves
// it: the server's process runs a broker on an abstract Unix socket with a
// random name, which admits a peer only if it runs as the same user
// (SO_PEERCRED) and answers a challenge with the server's random key
// (CPython's HMAC-SHA256 handshake), given only to the server's children.
// The child then receives the descriptor (SCM_RIGHTS) and serves it with
// net.FileConn. The server keeps its own copy, outside its netpoller, until
// the child says the connection ended or the child's process or task ends,
// so a child that dies takes only its own client, who sees the connection
// end; the worker is replaced and the other clients notice nothing. A
// Process child then waits for the next connection (see Process and
// WithFreshChildren). The same session carries the Room's messages, so the Chat
// handler's room spans processes.
//
// # Stopping
//
// When Serve's ctx ends, or Shutdown is called, the server stops accepting
// and lets the connections in flight finish for a grace period (WithGrace,
// or until Shutdown's ctx ends); it then cuts the rest (shutdown(2) on the
// socket, which reaches the child's copy too), kills the processes that do
// not end within a second, and returns once every process it started has
// been reaped. Children ignore SIGINT, so a Ctrl-C in the terminal, which
// reaches the whole process group, stops them only through the server.
//
// Events (WithEvents, WithLogger) tell which process served which client:
// the seeds print os.getpid() in each child for that.
package server
