package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"mproc"
)

// The seeds' Pipe: parent_conn, child_conn = Pipe(); the child gets one end
// as its argument, and the two processes greet each other. Then a one-way
// pipe, Pipe(duplex=False), and the end of a conversation: recv raises
// EOFError once the other end is closed everywhere (io.EOF in Go).

const pipeEOFMessages = 5

type pipeArg struct {
	Console string
	Conn    *mproc.Conn
	N       int
}

// pipeGreeter is the seed's f(Subconn): the child speaks first, then
// prints the parent's answer, and closes its end.
var pipeGreeter = mproc.Register[pipeArg, string]("demo.pipe.greeter", func(ctx context.Context, a pipeArg) (string, error) {
	defer a.Conn.Close()
	say(a.Console, "  child (pid %d): Subconn.send(\"吃了吗\")", os.Getpid())
	if err := a.Conn.Send(ctx, "吃了吗 (have you eaten?)"); err != nil {
		return "", err
	}
	var answer string
	if err := a.Conn.Recv(ctx, &answer); err != nil {
		return "", err
	}
	say(a.Console, "  child (pid %d): 来自父亲的问候 (the parent's greeting): %q", os.Getpid(), answer)
	return answer, nil
})

// pipeSender sends N numbers on a send-only end and returns; its end closes
// when its process exits.
var pipeSender = mproc.Register[pipeArg, mproc.None]("demo.pipe.sender", func(ctx context.Context, a pipeArg) error {
	for i := 1; i <= a.N; i++ {
		if err := a.Conn.Send(ctx, i*i); err != nil {
			return err
		}
	}
	say(a.Console, "  child (pid %d): sent %d squares on its send-only end; readable=%v writable=%v; exits without closing it",
		os.Getpid(), a.N, a.Conn.Readable(), a.Conn.Writable())
	return nil
})

// pipeReader receives until io.EOF (CPython: until recv raises EOFError)
// and returns how many messages it got.
var pipeReader = mproc.Register[pipeArg, int]("demo.pipe.reader", func(ctx context.Context, a pipeArg) (int, error) {
	defer a.Conn.Close()
	n := 0
	for {
		var msg string
		err := a.Conn.Recv(ctx, &msg)
		if errors.Is(err, io.EOF) {
			say(a.Console, "  child (pid %d): Recv → io.EOF after %d messages: the parent closed its end", os.Getpid(), n)
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
		say(a.Console, "  child (pid %d): got %q", os.Getpid(), msg)
	}
})

func init() {
	add(Demo{
		Name:  "pipe",
		Title: "Pipe: parent and child greet each other; a one-way Pipe(false); io.EOF when the other end closes",
		Intro: "The seeds' Pipe: parent_conn, child_conn = Pipe() returns two connected ends. The child gets one as its " +
			"argument and speaks first, Subconn.send(\"吃了吗\") (have you eaten?); the parent's recv waits for it and " +
			"prints 来自儿子的问候, then answers 你好啊, which the child prints as 来自父亲的问候. " +
			"Pipe(false) is one-way: the first end only receives, the second only sends. When every copy of one end " +
			"is closed (or its process has exited), the other end's Recv returns io.EOF once the messages sent before " +
			"are read (CPython raises EOFError). As in CPython, a process closes the end it does not use: while the " +
			"parent still holds a copy of the child's end, it waits in vain instead of seeing EOF.",
		Run: stage(runPipe),
	})
}

func runPipe(ctx context.Context, con *console, started *[]*mproc.Process) error {
	con.Printf("1. parent_conn, child_conn = Pipe(); Process(target=f, args=(child_conn,))")
	parentConn, childConn, err := mproc.Pipe(true)
	if err != nil {
		return err
	}
	defer parentConn.Close()
	p, err := pipeGreeter.Start(ctx, pipeArg{Console: con.path, Conn: childConn})
	if err != nil {
		return err
	}
	*started = append(*started, p.Process)
	childConn.Close() // the child has its own copy
	var greeting string
	if err := parentConn.Recv(ctx, &greeting); err != nil {
		return err
	}
	con.Printf("main: 来自儿子的问候 (the child's greeting): %q", greeting)
	// Said before it is sent: once sent, the child may print what it heard
	// before this process gets to its next line.
	con.Printf("main: parent_conn.send(\"你好啊 (hello)\")")
	if err := parentConn.Send(ctx, "你好啊 (hello)"); err != nil {
		return err
	}
	heard, err := p.Wait(ctx)
	if err != nil {
		return err
	}
	if greeting != "吃了吗 (have you eaten?)" || heard != "你好啊 (hello)" {
		return fmt.Errorf("pipe: the child said %q and heard %q", greeting, heard)
	}
	if after, err := lineOrder(ctx, con, "main: parent_conn.send", "来自父亲的问候"); err != nil || !after {
		return fmt.Errorf("pipe: the child printed the answer before the parent sent it (%v)", err)
	}
	var reply string
	// The child closed its end and exited: the parent's next Recv is io.EOF.
	if err := parentConn.Recv(ctx, &reply); !errors.Is(err, io.EOF) {
		return fmt.Errorf("pipe: Recv after the child closed its end: want io.EOF, got %v", err)
	}
	con.Printf("main: p.join() → %v; one more parent_conn.Recv → io.EOF: the child's end is closed", p)
	parentConn.Close()

	con.Printf("\n2. r, w = Pipe(duplex=False): r only receives, w only sends; the child gets w")
	r, w, err := mproc.Pipe(false)
	if err != nil {
		return err
	}
	defer r.Close()
	err = r.Send(ctx, "x")
	if err == nil {
		return errors.New("pipe: Send on the receiving end of a one-way pipe worked")
	}
	con.Printf("main: r.Readable()=%v r.Writable()=%v; r.Send(ctx, \"x\") → %q", r.Readable(), r.Writable(), err)
	s, err := pipeSender.Start(ctx, pipeArg{Console: con.path, Conn: w, N: pipeEOFMessages})
	if err != nil {
		return err
	}
	*started = append(*started, s.Process)
	if _, err := s.Wait(ctx); err != nil {
		return err
	}
	var squares []int
	for range pipeEOFMessages {
		var v int
		if err := r.Recv(ctx, &v); err != nil {
			return err
		}
		squares = append(squares, v)
	}
	con.Printf("main: the child has exited (%v); r.Recv ×%d → %v: its messages outlive it", s, len(squares), squares)
	// The parent still holds its own copy of w: no EOF, only a wait.
	took, err := timed(ctx, 100*time.Millisecond, func(ctx context.Context) error { var v int; return r.Recv(ctx, &v) })
	if errors.Is(err, io.EOF) || err == nil {
		return fmt.Errorf("pipe: with the parent's copy of w open, Recv gave %v", err)
	}
	con.Printf("main: with the parent's own copy of w still open, r.Recv waits: after %v, %q", took.Round(time.Millisecond), err)
	w.Close()
	var v int
	if err := r.Recv(ctx, &v); !errors.Is(err, io.EOF) {
		return fmt.Errorf("pipe: Recv after every copy of w is closed: want io.EOF, got %v", err)
	}
	con.Printf("main: w.Close() in the parent too; r.Recv → io.EOF at once: close the end you don't use")

	con.Printf("\n3. The child loops on Recv until io.EOF; the parent sends %d messages and closes its end", pipeEOFMessages)
	a, b, err := mproc.Pipe(true)
	if err != nil {
		return err
	}
	rd, err := pipeReader.Start(ctx, pipeArg{Console: con.path, Conn: b})
	if err != nil {
		a.Close()
		b.Close()
		return err
	}
	*started = append(*started, rd.Process)
	b.Close()
	for i := 1; i <= pipeEOFMessages; i++ {
		if err := a.Send(ctx, fmt.Sprintf("message %d", i)); err != nil {
			a.Close()
			return err
		}
	}
	a.Close()
	con.Printf("main: sent %d messages, then a.Close()", pipeEOFMessages)
	n, err := rd.Wait(ctx)
	if err != nil {
		return err
	}
	if n != pipeEOFMessages {
		return fmt.Errorf("pipe: the child read %d messages before EOF, want %d", n, pipeEOFMessages)
	}
	con.Printf("main: the child read %d messages, then saw io.EOF and returned: %v", n, rd)
	return nil
}
