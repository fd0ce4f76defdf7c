package mproc

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"mproc/internal/wire"
)

// rawPeer is a Conn whose other end writes raw bytes: a hostile or broken
// peer.
func rawPeer(t *testing.T, limit int) (*Conn, *os.File) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	c, err := newSocketConn(fds[0], true)
	if err != nil {
		t.Fatal(err)
	}
	c.t.(*sockTransport).limit = limit
	peer := os.NewFile(uintptr(fds[1]), "peer")
	t.Cleanup(func() { c.Close(); peer.Close() })
	return c, peer
}

func frame(payload string) []byte {
	b := make([]byte, wire.HeaderSize, wire.HeaderSize+len(payload))
	wire.PutHeader(b, sockMessage, len(payload))
	return append(b, payload...)
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// A frame above the limit is refused unread and skipped: the messages
// after it arrive.
func TestSocketOversizedFrameSkipped(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	c, peer := rawPeer(t, 16)
	peer.Write(append(frame("this message is longer than sixteen bytes"), frame("next")...))
	if _, err := c.RecvBytes(ctx); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized frame: %v, want ErrTooLarge", err)
	}
	if b, err := c.RecvBytes(ctx); err != nil || string(b) != "next" {
		t.Fatalf("after the oversized frame: %q, %v; want \"next\"", b, err)
	}
}

// Sending above the limit is refused before anything is written.
func TestSocketOversizedSendRefused(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := newSocketConn(fds[0], true)
	b, _ := newSocketConn(fds[1], true)
	defer a.Close()
	defer b.Close()
	a.t.(*sockTransport).limit = 16
	if err := a.SendBytes(ctx, make([]byte, 17)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("SendBytes of 17 bytes with a 16-byte limit: %v, want ErrTooLarge", err)
	}
	if err := a.Send(ctx, "a string longer than 16 bytes"); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Send above the limit: %v, want ErrTooLarge", err)
	}
	if err := a.SendBytes(ctx, []byte("fits")); err != nil {
		t.Fatal(err)
	}
	if got, err := b.RecvBytes(ctx); err != nil || string(got) != "fits" {
		t.Fatalf("got %q, %v; want the message after the refused ones", got, err)
	}
}

// A receive that gives up in the middle of a frame resumes it at the next
// call: nothing is lost and nothing misread.
func TestSocketInterruptedFrameResumes(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	c, peer := rawPeer(t, maxMessage)
	f := frame("hello, world")
	peer.Write(f[:wire.HeaderSize+5])
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err := c.RecvBytes(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("half a frame: %v, want the deadline", err)
	}
	peer.Write(f[wire.HeaderSize+5:])
	if b, err := c.RecvBytes(ctx); err != nil || string(b) != "hello, world" {
		t.Fatalf("resumed: %q, %v", b, err)
	}
	peer.Write(frame("again")[:3])
	short, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = c.RecvBytes(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("part of a header: %v, want the deadline", err)
	}
	peer.Write(frame("again")[3:])
	if b, err := c.RecvBytes(ctx); err != nil || string(b) != "again" {
		t.Fatalf("resumed header: %q, %v", b, err)
	}
}

// Bytes that are not a header leave the stream out of step: every read
// after says ErrCorrupt rather than misreading what follows.
func TestSocketCorruptHeaderSticks(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	c, peer := rawPeer(t, maxMessage)
	peer.Write(append([]byte("GET / HTTP/1.1\r\n"), frame("after")...))
	for i := range 2 {
		if _, err := c.RecvBytes(ctx); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("read %d: %v, want ErrCorrupt", i, err)
		}
	}
	peer.Close()
	if _, err := c.RecvBytes(ctx); errors.Is(err, io.EOF) {
		t.Fatal("EOF after a corrupt stream, want ErrCorrupt")
	}
}

// A peer that connects and says nothing gives up its turn when the
// handshake's time runs out: Accept returns ErrAuthentication, and the
// next peer is served.
func TestSilentPeerTimesOutHandshake(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	key := []byte("key")
	l, err := Listen("unix", "@mproc-silent-"+shmNameForTest(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.handshake = 100 * time.Millisecond
	silent, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(silent)
	if err := unix.Connect(silent, &unix.SockaddrUnix{Name: "\x00" + l.Addr()[1:]}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Accept(ctx); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("Accept of a silent peer: %v, want ErrAuthentication", err)
	}
	dialed := make(chan error, 1)
	go func() {
		c, err := Dial(ctx, "unix", l.Addr(), key)
		if err == nil {
			c.Close()
		}
		dialed <- err
	}()
	c, err := l.Accept(ctx)
	if err != nil {
		t.Fatalf("Accept after the silent peer: %v", err)
	}
	c.Close()
	if err := <-dialed; err != nil {
		t.Fatal(err)
	}
}

func shmNameForTest() string { id := newSocketID(); return hex.EncodeToString(id[:]) }
