package connection

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"mproc"
	"mproc/internal/pyconn"
	"mproc/internal/spawn"
	"mproc/internal/wire"
)

// socketPair returns a Unix stream socket pair: a net.Conn for mproc's
// side, and the raw other end.
func socketPair(t testing.TB) (net.Conn, *os.File) {
	t.Helper()
	fds, err := spawn.Socketpair(syscall.SOCK_STREAM)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fds[0]), "mine")
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		t.Fatal(err)
	}
	peer := os.NewFile(uintptr(fds[1]), "peer")
	t.Cleanup(func() { c.Close(); peer.Close() })
	return c, peer
}

// rawPeer is an end whose other end writes raw bytes: a hostile or broken
// peer. No key: no handshake.
func rawPeer(t testing.TB, opts ...Option) (*mproc.Conn, *os.File) {
	t.Helper()
	c, peer := socketPair(t)
	end, err := Client(context.Background(), c, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { end.Close() })
	return end, peer
}

func frame(payload string) []byte {
	b := make([]byte, wire.HeaderSize, wire.HeaderSize+len(payload))
	wire.PutHeader(b, frameMessage, len(payload))
	return append(b, payload...)
}

func pyFrame(payload string) []byte {
	var b writeBuf
	pyconn.WriteMessage(&b, []byte(payload))
	return b
}

type writeBuf []byte

func (w *writeBuf) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// A frame above the limit is refused unread and skipped: the messages
// after it arrive.
func TestOversizedFrameSkipped(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	c, peer := rawPeer(t, WithMaxMessage(16))
	peer.Write(append(frame("this message is longer than sixteen bytes"), frame("next")...))
	if _, err := c.RecvBytes(ctx); !errors.Is(err, mproc.ErrTooLarge) {
		t.Fatalf("oversized frame: %v, want ErrTooLarge", err)
	}
	if b, err := c.RecvBytes(ctx); err != nil || string(b) != "next" {
		t.Fatalf("after the oversized frame: %q, %v; want \"next\"", b, err)
	}
}

// Sending above the limit is refused before anything is written, in both
// framings.
func TestOversizedSendRefused(t *testing.T) {
	t.Parallel()
	for _, py := range []bool{false, true} {
		ctx := testCtx(t)
		opts := []Option{WithMaxMessage(16)}
		if py {
			opts = append(opts, WithPython())
		}
		ca, cb := net.Pipe()
		a, err := Client(ctx, ca, opts...)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Client(ctx, cb, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SendBytes(ctx, make([]byte, 17)); !errors.Is(err, mproc.ErrTooLarge) {
			t.Fatalf("python %v: SendBytes of 17 bytes with a 16-byte limit: %v, want ErrTooLarge", py, err)
		}
		if err := a.Send(ctx, "a string longer than 16 bytes"); !errors.Is(err, mproc.ErrTooLarge) {
			t.Fatalf("python %v: Send above the limit: %v, want ErrTooLarge", py, err)
		}
		go a.SendBytes(ctx, []byte("fits")) // net.Pipe has no buffer
		if got, err := b.RecvBytes(ctx); err != nil || string(got) != "fits" {
			t.Fatalf("python %v: got %q, %v; want the message after the refused ones", py, got, err)
		}
		a.Close()
		b.Close()
	}
}

// A receive that gives up in the middle of a frame resumes it at the next
// call: nothing is lost and nothing misread. In both framings.
func TestInterruptedFrameResumes(t *testing.T) {
	t.Parallel()
	for _, py := range []bool{false, true} {
		ctx := testCtx(t)
		f, opts := frame, []Option(nil)
		if py {
			f, opts = pyFrame, []Option{WithPython()}
		}
		c, peer := rawPeer(t, opts...)
		m := f("hello, world")
		peer.Write(m[:len(m)-7])
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		_, err := c.RecvBytes(short)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("python %v: half a frame: %v, want the deadline", py, err)
		}
		peer.Write(m[len(m)-7:])
		if b, err := c.RecvBytes(ctx); err != nil || string(b) != "hello, world" {
			t.Fatalf("python %v: resumed: %q, %v", py, b, err)
		}
		peer.Write(f("again")[:3])
		short, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
		_, err = c.RecvBytes(short)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("python %v: part of a header: %v, want the deadline", py, err)
		}
		peer.Write(f("again")[3:])
		if b, err := c.RecvBytes(ctx); err != nil || string(b) != "again" {
			t.Fatalf("python %v: resumed header: %q, %v", py, b, err)
		}
	}
}

// Bytes that are not a header leave the stream out of step: every read
// after says ErrCorrupt rather than misreading what follows. In CPython's
// framing, whose headers are any four bytes, a negative length is the
// corrupt one; an oversized message sticks there too (it can't be
// skipped without reading it).
func TestCorruptHeaderSticks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		bytes []byte
		want  error
		opts  []Option
	}{
		{"mproc", append([]byte("GET / HTTP/1.1\r\n"), frame("after")...), mproc.ErrCorrupt, nil},
		{"python/negative", append([]byte{0xff, 0xff, 0xff, 0xf0}, pyFrame("after")...), mproc.ErrCorrupt, []Option{WithPython()}},
		{"python/oversized", append(pyFrame("longer than sixteen bytes"), pyFrame("after")...), mproc.ErrTooLarge, []Option{WithPython(), WithMaxMessage(16)}},
	} {
		ctx := testCtx(t)
		c, peer := rawPeer(t, tc.opts...)
		peer.Write(tc.bytes)
		for i := range 2 {
			if _, err := c.RecvBytes(ctx); !errors.Is(err, tc.want) {
				t.Fatalf("%s: read %d: %v, want %v", tc.name, i, err, tc.want)
			}
		}
		peer.Close()
		if _, err := c.RecvBytes(ctx); errors.Is(err, io.EOF) {
			t.Fatalf("%s: EOF after a corrupt stream, want the error again", tc.name)
		}
	}
}

// A peer that connects and says nothing gives up its turn when the
// handshake's time runs out: Accept returns ErrAuthentication (and the
// deadline), and the next peer is served.
func TestSilentPeerTimesOutHandshake(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	key := WithAuthKey([]byte("key"))
	l, err := Listen("unix", "@mproc-silent-"+time.Now().Format("150405.000000000"), key, WithHandshakeTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	silent, err := net.Dial("unix", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	var took time.Duration
	t0 := time.Now()
	_, err = l.Accept(ctx)
	took = time.Since(t0)
	if !errors.Is(err, mproc.ErrAuthentication) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Accept of a silent peer: %v, want ErrAuthentication and the deadline", err)
	}
	if took < 90*time.Millisecond || took > 5*time.Second {
		t.Fatalf("Accept of a silent peer took %v, want about 100ms", took)
	}
	dialed := make(chan error, 1)
	go func() {
		c, err := Dial(ctx, "unix", l.Addr().String(), key)
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
