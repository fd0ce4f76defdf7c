package demo

import (
	"context"
	"fmt"
	"os"

	"mproc"
	"mproc/server"
)

// The seeds' concurrent TCP server, told five ways: talk(conn) sends back
// each message upper-cased, and the server serves each client with a
// thread, a process, a Pool(4), a ThreadPoolExecutor(50) or gevent
// coroutines. Here one handler, server.Echo, runs on each of mproc's
// server models, and the events say which pid served which client; then
// the chat room relays lines between clients served by different
// processes.

// tcpModels are the seeds' servers and their models.
var tcpModels = []struct {
	seed  string
	model server.Model
	code  string
	note  string
}{
	{"threading.Thread(target=talk, args=(conn,)) per client", server.Goroutine(), "server.Goroutine()", ""},
	{"gevent.spawn(talk, conn) per client (monkey.patch_all)", server.Goroutine(), "server.Goroutine()",
		"a goroutine is Go's coroutine: the same model as a thread per client"},
	{"ThreadPoolExecutor(50).submit(talk, conn)", server.GoroutinePool(50), "server.GoroutinePool(50)", ""},
	{"Process(target=talk, args=(conn,)).start() per client", server.Process(), "server.Process()",
		"each client's socket is passed to a fresh child (a warm spare)"},
	{"Pool(4).apply_async(talk, args=(conn,))", server.ProcessPool(4), "server.ProcessPool(4)",
		"four workers, one client each; see the pool-server demo for the fifth"},
	{"(not in the seeds) n processes accepting on one socket", server.Prefork(2), "server.Prefork(2)",
		"each worker accepts and serves many clients; the kernel picks which worker takes which"},
}

const tcpClients = 3

func init() {
	add(Demo{
		Name:  "tcp-server",
		Title: "The TCP echo server five ways: a thread, a coroutine, a thread pool, a process, a process pool per client",
		Intro: "The seeds' socket server: talk(conn) sends every message back upper-cased, and the server hands each " +
			"client to a thread, a gevent coroutine, a ThreadPoolExecutor(50), a Process, or a Pool(4). In mproc one " +
			"handler, server.Echo, runs on any model: server.Serve(ctx, ln, server.Echo, server.ProcessPool(4)). " +
			"Threads and gevent coroutines are both goroutines in Go (no monkey-patching: every blocking call lets " +
			"other goroutines run). In the process models the accepted socket is passed to the child (SCM_RIGHTS), " +
			"so a different pid answers; watch the pids: one per client for Process, this process's for goroutines. " +
			"Last, the chat room: a line from one client reaches the others though different processes serve them.",
		Run: stage(runTCPServer),
	})
}

func runTCPServer(ctx context.Context, con *console, _ *[]*mproc.Process) error {
	con.Printf("main: pid %d; server.Echo upper-cases what it reads, as the seeds' conn.send(msg.upper())", os.Getpid())
	for i, tm := range tcpModels {
		con.Printf("\n%d. %s\n   →  server.Serve(ctx, ln, server.Echo, %s)", i+1, tm.seed, tm.code)
		if tm.note != "" {
			con.Printf("   (%s)", tm.note)
		}
		if err := echoRound(ctx, con, tm.model); err != nil {
			return fmt.Errorf("%s: %w", tm.model, err)
		}
	}
	return chatRound(ctx, con)
}

// echoRound connects tcpClients clients at once, has each say a line, and
// shows the answers and the pids that served them.
func echoRound(ctx context.Context, con *console, m server.Model) error {
	s, err := startServer(server.Echo, m)
	if err != nil {
		return err
	}
	defer s.stop()
	var cs []*tcpClient
	closeAll := func() {
		for _, c := range cs {
			c.close()
		}
	}
	defer closeAll()
	for range tcpClients {
		c, err := dialServer(ctx, s.addr)
		if err != nil {
			return err
		}
		cs = append(cs, c)
	}
	for i, c := range cs {
		msg := fmt.Sprintf("hello from client %d", i+1)
		if err := c.send(msg); err != nil {
			return err
		}
		reply, err := c.recv()
		if err != nil {
			return err
		}
		e, err := s.waitEvent(ctx, server.EventServed, c.local())
		if err != nil {
			return err
		}
		where := "a child process"
		if e.Pid == os.Getpid() {
			where = "this process"
		}
		con.Printf("   client %d: %q → %q  (served by pid %d, %s)", i+1, msg, reply, e.Pid, where)
	}
	closeAll() // the clients leave first, so the server's stop waits for no one
	return s.stop()
}

// chatRound has three clients of a Process server chat: each is served by
// a child of its own, and the server's process relays their lines.
func chatRound(ctx context.Context, con *console) error {
	con.Printf("\n%d. The chat room across processes: server.Serve(ctx, ln, server.Chat, server.Process())", len(tcpModels)+1)
	s, err := startServer(server.Chat, server.Process())
	if err != nil {
		return err
	}
	defer s.stop()
	var cs []*tcpClient
	closeAll := func() {
		for _, c := range cs {
			c.close()
		}
	}
	defer closeAll()
	for i := range 3 {
		c, err := dialServer(ctx, s.addr)
		if err != nil {
			return err
		}
		cs = append(cs, c)
		welcome, err := c.recv() // once it has come, the client is in the room
		if err != nil {
			return err
		}
		con.Printf("   client %d reads: %s", i+1, welcome)
	}
	if err := cs[0].send("hi all"); err != nil {
		return err
	}
	con.Printf("   client 1 says: hi all")
	for i, c := range cs[1:] {
		line, err := c.recv()
		if err != nil {
			return err
		}
		con.Printf("   client %d reads: %s", i+2, line)
	}
	con.Printf("   Each child sent its line to the server's process, which relayed it to the other children.")
	closeAll() // the clients leave first, so the server's stop waits for no one
	return s.stop()
}
