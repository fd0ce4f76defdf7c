package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"
)

// clientCmd is `mproc client HOST:PORT`, the seeds' interactive client: it
// prompts ">>: ", sends each non-empty line (trimmed) and prints the reply,
// until the end of its input or until the server closes the connection.
type clientCmd struct {
	Addr string
	In   io.Reader // os.Stdin; a test's pipe
}

// clientDialTimeout bounds the connect, as a person at the prompt would.
const clientDialTimeout = 10 * time.Second

func (c *clientCmd) Run(a *app) error {
	dctx, cancel := context.WithTimeout(a.ctx, clientDialTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(dctx, "tcp", c.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(a.ctx, func() { conn.Close() }) // Ctrl-C during a read
	defer stop()

	lines := readLines(a.ctx, c.In)
	for {
		fmt.Fprint(a.stdout, ">>: ")
		var line []byte
		var ok bool
		select {
		case line, ok = <-lines:
		case <-a.ctx.Done():
			return a.ctx.Err()
		}
		if !ok { // end of input
			fmt.Fprintln(a.stdout)
			return nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		reply, err := exchange(conn, line)
		if len(reply) > 0 {
			fmt.Fprintf(a.stdout, "%s\n", reply)
		}
		switch {
		case a.ctx.Err() != nil:
			return a.ctx.Err()
		case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
			// A server that closes with our next line unread resets the
			// connection rather than end it: a close all the same.
			fmt.Fprintln(a.stderr, "mproc client: the server closed the connection")
			return nil
		case err != nil:
			return err
		}
	}
}

// exchange sends line and reads the reply: as many bytes as it sent, the
// echo's length (the seeds read 1024 bytes once, which can split a long
// line's reply). At a close it returns what came, with io.EOF.
func exchange(conn net.Conn, line []byte) ([]byte, error) {
	if _, err := conn.Write(line); err != nil {
		return nil, err
	}
	reply := make([]byte, len(line))
	n, err := io.ReadFull(conn, reply)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return reply[:n], err
}

// readLines delivers in's lines, without their ends, until its end or an
// error (closing the channel), or until ctx ends.
func readLines(ctx context.Context, in io.Reader) <-chan []byte {
	ch := make(chan []byte)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			select {
			case ch <- bytes.Clone(sc.Bytes()):
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}
