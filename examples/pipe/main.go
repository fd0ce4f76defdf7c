// Command pipe is the seeds' Pipe: parent_conn, child_conn = Pipe() returns
// two connected ends; the child gets one as its argument and speaks first
// (吃了吗), the parent prints it and answers, the child prints the answer. Then the end of a conversation:
// the child loops on recv until the parent closes its end, which CPython
// reports as EOFError and Go as io.EOF.
//
// Run it with: go run ./examples/pipe
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"mproc"
)

// greeter is the seed's f(conn): the child speaks first, then prints the
// parent's answer.
var greeter = mproc.Register[*mproc.Conn, mproc.None]("pipe.greeter", func(ctx context.Context, conn *mproc.Conn) error {
	defer conn.Close()
	if err := conn.Send(ctx, "吃了吗 (have you eaten?)"); err != nil {
		return err
	}
	var answer string
	if err := conn.Recv(ctx, &answer); err != nil {
		return err
	}
	fmt.Printf("  child (pid %d): 来自父亲的问候 (the parent's greeting): %s\n", os.Getpid(), answer)
	return nil
})

// reader receives until io.EOF and returns how many messages it got.
var reader = mproc.Register[*mproc.Conn, int]("pipe.reader", func(ctx context.Context, conn *mproc.Conn) (int, error) {
	defer conn.Close()
	for n := 0; ; n++ {
		var msg string
		err := conn.Recv(ctx, &msg)
		if errors.Is(err, io.EOF) {
			fmt.Printf("  child: recv -> EOF after %d messages: the parent closed its end\n", n)
			return n, nil
		}
		if err != nil {
			return n, err
		}
		fmt.Printf("  child: got %q\n", msg)
	}
})

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "pipe:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	fmt.Println("1. parent and child greet each other")
	parentConn, childConn, err := mproc.Pipe(true)
	if err != nil {
		return err
	}
	defer parentConn.Close()
	p, err := greeter.Start(ctx, childConn)
	if err != nil {
		return err
	}
	childConn.Close() // the child has its own copy; close the end you don't use
	var greeting string
	if err := parentConn.Recv(ctx, &greeting); err != nil {
		return err
	}
	fmt.Printf("main: 来自儿子的问候 (the child's greeting): %s\n", greeting)
	if err := parentConn.Send(ctx, "你好啊 (hello)"); err != nil {
		return err
	}
	if _, err := p.Wait(ctx); err != nil {
		return err
	}

	fmt.Println("2. the child reads until the parent closes its end")
	a, b, err := mproc.Pipe(true)
	if err != nil {
		return err
	}
	r, err := reader.Start(ctx, b)
	b.Close()
	if err != nil {
		a.Close()
		return err
	}
	for i := 1; i <= 3; i++ {
		if err := a.Send(ctx, fmt.Sprintf("message %d", i)); err != nil {
			a.Close()
			return err
		}
	}
	a.Close()
	n, err := r.Wait(ctx)
	if err != nil {
		return err
	}
	if n != 3 {
		return fmt.Errorf("the child read %d messages before EOF, want 3", n)
	}
	fmt.Println("main: the child read all 3 messages, then saw EOF and returned")
	return mproc.Shutdown(ctx)
}
