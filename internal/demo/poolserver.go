package demo

import (
	"context"
	"fmt"
	"os"
	"time"

	"mproc"
	"mproc/server"
)

// The seeds' process-pool server: Pool(4) serves the clients, and "开启6个客户端,
// 会发现2个客户端处于等待状态": with more clients than workers, the extra ones
// wait; "只能结束一个客户端,另外一个客户端才会进来": only when one leaves does
// another get in, on the pid it left.

const (
	poolServerWorkers = 4
	poolServerQuiet   = 200 * time.Millisecond // how long client 5 is watched for a reply that must not come
)

func init() {
	add(Demo{
		Name:  "pool-server",
		Title: "The Pool(4) socket server: the fifth client waits until one of the first four leaves",
		Intro: "The seeds' Pool(4) server: p.apply_async(talk, args=(conn,)) for each client, and talk runs until its " +
			"client leaves. Four clients take the four workers, whose pids the server shows (the seeds print " +
			"os.getpid() in talk). A fifth client connects and is accepted, but its message gets no answer: no worker " +
			"is free. When client 1 leaves, its worker takes client 5, which now gets its answer from client 1's pid. " +
			"mproc: server.Serve(ctx, ln, server.Echo, server.ProcessPool(4)); the order shown is the server's " +
			"events, not timing.",
		Run: stage(runPoolServer),
	})
}

func runPoolServer(ctx context.Context, con *console, _ *[]*mproc.Process) error {
	con.Printf("main: pid %d; p = Pool(%d)  →  server.Serve(ctx, ln, server.Echo, server.ProcessPool(%d))", os.Getpid(), poolServerWorkers, poolServerWorkers)
	s, err := startServer(server.Echo, server.ProcessPool(poolServerWorkers))
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
	pids := map[int]int{} // client → pid
	for i := 1; i <= poolServerWorkers; i++ {
		c, err := dialServer(ctx, s.addr)
		if err != nil {
			return err
		}
		cs = append(cs, c)
		reply, pid, err := exchange(ctx, s, c, fmt.Sprintf("hi from %d", i))
		if err != nil {
			return err
		}
		pids[i] = pid
		con.Printf("client %d: %q  (进程pid: %d)", i, reply, pid)
	}

	c5, err := dialServer(ctx, s.addr)
	if err != nil {
		return err
	}
	cs = append(cs, c5)
	if err := c5.send("hi from 5"); err != nil {
		return err
	}
	if _, err := s.waitEvent(ctx, server.EventAccepted, c5.local()); err != nil {
		return err
	}
	con.Printf("client 5: connected and accepted; sends \"hi from 5\"")
	if !c5.quietFor(poolServerQuiet) || s.has(server.EventServed, c5.local()) {
		return fmt.Errorf("client 5 was served while all %d workers were busy", poolServerWorkers)
	}
	con.Printf("client 5: no answer within %v: all %d workers are busy, so it waits", poolServerQuiet, poolServerWorkers)

	cs[0].close()
	con.Printf("client 1: leaves (closes its socket)")
	if _, err := s.waitEvent(ctx, server.EventClosed, cs[0].local()); err != nil {
		return err
	}
	con.Printf("server: client 1's connection closed; its worker (pid %d) is free", pids[1])
	e, err := s.waitEvent(ctx, server.EventServed, c5.local())
	if err != nil {
		return err
	}
	con.Printf("server: client 5 served by pid %d", e.Pid)
	reply, err := c5.recv()
	if err != nil {
		return err
	}
	con.Printf("client 5: %q  (进程pid: %d)", reply, e.Pid)
	if e.Pid != pids[1] {
		return fmt.Errorf("client 5 went to pid %d, not client 1's %d", e.Pid, pids[1])
	}
	con.Printf("发现: five clients, four pids: only when a client leaves does the waiting one get in, on the worker it left.")
	closeAll() // the clients leave first, so the server's stop waits for no one
	return s.stop()
}

// exchange sends msg and returns the reply and the pid that served c.
func exchange(ctx context.Context, s *liveServer, c *tcpClient, msg string) (string, int, error) {
	if err := c.send(msg); err != nil {
		return "", 0, err
	}
	reply, err := c.recv()
	if err != nil {
		return "", 0, err
	}
	e, err := s.waitEvent(ctx, server.EventServed, c.local())
	return reply, e.Pid, err
}
