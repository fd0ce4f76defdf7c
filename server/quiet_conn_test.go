//go:build unix

package server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection, the server's
// wrapped as a child serves it.
func tcpPair(t *testing.T) (quietEnd net.Conn, peer net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	q := quiet(c)
	if _, ok := q.(*quietConn); !ok {
		t.Fatalf("quiet(%T) did not wrap it", c)
	}
	t.Cleanup(func() { q.Close(); peer.Close() })
	deadline := time.Now().Add(10 * time.Second)
	peer.SetDeadline(deadline)
	return q, peer
}

// A write larger than the socket's buffers goes whole (the raw write
// waits for room in the netpoller), and reads get it all, then EOF.
func TestQuietConnLargeWriteAndEOF(t *testing.T) {
	t.Parallel()
	q, peer := tcpPair(t)
	q.SetDeadline(time.Now().Add(10 * time.Second))
	msg := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(peer)
		got <- b
	}()
	n, err := q.Write(msg)
	if err != nil || n != len(msg) {
		t.Fatalf("Write: %d, %v; want %d, nil", n, err, len(msg))
	}
	q.(*quietConn).CloseWrite() // the TCPConn's own methods are there
	if b := <-got; !bytes.Equal(b, msg) {
		t.Fatalf("the peer read %d bytes, not the %d written", len(b), len(msg))
	}

	peer.Write([]byte("hi"))
	peer.Close()
	buf := make([]byte, 8)
	n, err = q.Read(buf)
	if err != nil || string(buf[:n]) != "hi" {
		t.Fatalf("Read: %q, %v", buf[:n], err)
	}
	if n, err = q.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("Read at the peer's end: %d, %v; want 0, io.EOF", n, err)
	}
	if n, err = q.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read(nil): %d, %v", n, err)
	}
}

// A read deadline ends a read as net's own does: a timeout, which is
// os.ErrDeadlineExceeded.
func TestQuietConnDeadline(t *testing.T) {
	t.Parallel()
	q, _ := tcpPair(t)
	q.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err := q.Read(make([]byte, 8))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past the deadline: %v; want a timeout", err)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "read" {
		t.Errorf("the error %v is not a read OpError", err)
	}
}

// Close from another goroutine ends a Read waiting in the netpoller with
// net.ErrClosed, and later calls fail the same way.
func TestQuietConnClose(t *testing.T) {
	t.Parallel()
	q, _ := tcpPair(t)
	q.SetDeadline(time.Now().Add(10 * time.Second))
	done := make(chan error, 1)
	go func() {
		_, err := q.Read(make([]byte, 8))
		done <- err
	}()
	// The read may start before or after the close: either way it ends
	// with net.ErrClosed.
	q.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read across Close: %v; want net.ErrClosed", err)
	}
	if _, err := q.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after Close: %v; want net.ErrClosed", err)
	}
}

// A write to a peer that reset the connection fails with an error (no
// SIGPIPE ends the process).
func TestQuietConnWriteToReset(t *testing.T) {
	t.Parallel()
	q, peer := tcpPair(t)
	q.SetDeadline(time.Now().Add(10 * time.Second))
	peer.(*net.TCPConn).SetLinger(0)
	peer.Close() // an RST
	var err error
	for range 100 { // the first writes may go before the reset arrives
		if _, err = q.Write([]byte("hello")); err != nil {
			break
		}
		if _, rerr := q.Read(make([]byte, 1)); rerr != nil {
			err = rerr
			break
		}
	}
	if err == nil {
		t.Fatal("writes to a reset connection kept succeeding")
	}
	if gone(err) != nil && !errors.Is(err, io.EOF) {
		t.Errorf("the error %v is neither a reset nor a broken pipe", err)
	}
}
